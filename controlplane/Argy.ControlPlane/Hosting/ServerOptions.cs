using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Argy.ControlPlane.Hosting;

public sealed class ServerOptions : IValidatableObject
{
    public const string Section = "Argy:Server";

    /// <summary>Address of the REST API (HTTP/1.1 and HTTP/2), e.g. 127.0.0.1:8080 or 0.0.0.0:8080. Port 0 picks a free one.</summary>
    public string Http { get; set; } = "127.0.0.1:8080";

    /// <summary>
    /// Address of the agents' gRPC endpoint. It is HTTP/2 only, because cleartext HTTP/2 (h2c) cannot share an
    /// endpoint with HTTP/1.1.
    /// </summary>
    public string Grpc { get; set; } = "127.0.0.1:8081";

    /// <summary>When set, the bound addresses are written to this file as JSON once the server listens (used by tests and scripts).</summary>
    public string? ReadyFile { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPEndPoint.TryParse(Http, out _))
        {
            yield return new ValidationResult($"Argy:Server:Http '{Http}' is not an address:port.", [nameof(Http)]);
        }

        if (!IPEndPoint.TryParse(Grpc, out _))
        {
            yield return new ValidationResult($"Argy:Server:Grpc '{Grpc}' is not an address:port.", [nameof(Grpc)]);
        }
    }
}
