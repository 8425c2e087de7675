using Argy.Protocol.V1;

namespace Argy.Protocol.Signing;

/// <summary>
/// The constants of HMAC signing version 1, as documented in protocol/signing.md. Anything that changes the
/// bytes being signed needs a new version string, so that old and new signers can never be confused.
/// </summary>
public static class SigningScheme
{
    /// <summary>First line of every canonical string.</summary>
    public const string Version = "argy-hmac-sha256-v1";

    /// <summary>Largest accepted difference between the signer's clock and the verifier's.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(300);

    /// <summary>
    /// How long a verifier remembers a nonce. A timestamp up to <see cref="MaxClockSkew"/> in the future stays
    /// acceptable for twice the skew, so the memory must cover at least that.
    /// </summary>
    public static readonly TimeSpan NonceMemory = MaxClockSkew * 2;

    /// <summary>Target of the signature carried in the metadata that opens an agent's stream.</summary>
    public const string ConnectTarget = "grpc /argy.agent.v1.AgentGateway/Connect";

    /// <summary>Length of an HMAC-SHA256 and of a SHA-256, in bytes.</summary>
    public const int HashSize = 32;

    private static readonly string[] MessageTargets = BuildMessageTargets();

    /// <summary>
    /// Target of a message sent on the stream: the method plus the message's type (the name of the payload
    /// field that is set), e.g. <c>grpc /argy.agent.v1.AgentGateway/Connect#log_chunk</c>.
    /// </summary>
    public static string MessageTarget(AgentMessage.PayloadOneofCase payload)
    {
        var index = (int)payload;
        return index >= 0 && index < MessageTargets.Length && MessageTargets[index] is { } target
            ? target
            : ConnectTarget + "#none";
    }

    /// <summary>Target of a signed HTTP request: the method and the path with its query, exactly as sent.</summary>
    public static string HttpTarget(string method, string pathAndQuery) => method.ToUpperInvariant() + " " + pathAndQuery;

    /// <summary>The nonce of the n-th message of a stream (n starts at 1 with Hello).</summary>
    public static string MessageNonce(string streamNonce, long sequence) =>
        streamNonce + "." + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string[] BuildMessageTargets()
    {
        var payload = AgentMessage.Descriptor.Oneofs.Single(o => o.Name == "payload");
        var targets = new string[payload.Fields.Max(f => f.FieldNumber) + 1];
        foreach (var field in payload.Fields)
        {
            targets[field.FieldNumber] = ConnectTarget + "#" + field.Name;
        }

        return targets;
    }
}
