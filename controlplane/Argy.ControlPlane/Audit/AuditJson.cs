using System.Text.Json.Serialization;

namespace Argy.ControlPlane.Audit;

[JsonSerializable(typeof(IReadOnlyDictionary<string, string?>))]
internal sealed partial class AuditJson : JsonSerializerContext;
