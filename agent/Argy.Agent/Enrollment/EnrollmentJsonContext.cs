using System.Text.Json;
using System.Text.Json.Serialization;

namespace Argy.Agent.Enrollment;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EnrollmentRequest))]
[JsonSerializable(typeof(EnrollmentResponse))]
[JsonSerializable(typeof(ProblemDetailsBody))]
[JsonSerializable(typeof(RotatedCredential))]
internal sealed partial class EnrollmentJsonContext : JsonSerializerContext;
