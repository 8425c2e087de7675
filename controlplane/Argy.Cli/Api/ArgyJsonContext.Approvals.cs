using System.Text.Json;
using System.Text.Json.Serialization;

namespace Argy.Cli.Api;

// A context of its own: the JSON source generator cannot take [JsonSerializable] attributes on two partial
// declarations of one context (it emits every type's file once per declaration).
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApprovalDecision))]
[JsonSerializable(typeof(DeploymentQuotas))]
[JsonSerializable(typeof(DeploymentQuota))]
[JsonSerializable(typeof(DeploymentQuotaSetting))]
internal sealed partial class ApprovalsJsonContext : JsonSerializerContext;
