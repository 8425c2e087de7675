using System.Text.Json;
using System.Text.Json.Serialization;
using Argy.ControlPlane.Deployments;

namespace Argy.ControlPlane.Api;

/// <summary>Source-generated JSON for the hot paths (log streaming), with the API's web defaults.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LogLine))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
