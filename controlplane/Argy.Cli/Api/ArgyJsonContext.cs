using System.Text.Json;
using System.Text.Json.Serialization;

namespace Argy.Cli.Api;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreateAgentRequest))]
[JsonSerializable(typeof(CreatedAgent))]
[JsonSerializable(typeof(Agent))]
[JsonSerializable(typeof(ItemList<Agent>))]
[JsonSerializable(typeof(CreateDeploymentRequest))]
[JsonSerializable(typeof(Deployment))]
[JsonSerializable(typeof(ItemList<Deployment>))]
[JsonSerializable(typeof(LogChunk))]
[JsonSerializable(typeof(ProblemDetails))]
internal sealed partial class ArgyJsonContext : JsonSerializerContext;
