using System.Text;
using System.Text.Json;
using Argy.Protocol.Signing;

namespace Argy.Protocol.Tests.Signing;

/// <summary>One known-answer vector of protocol/signing-test-vectors.json.</summary>
public sealed record TestVector(
    string Name,
    string Description,
    string KeyId,
    string Secret,
    long Timestamp,
    string Nonce,
    string TenantId,
    string Principal,
    string Target,
    string? BodyHex,
    string? BodyUtf8,
    string BodySha256,
    string Canonical,
    string Signature)
{
    private static readonly Lazy<IReadOnlyDictionary<string, TestVector>> All = new(Load);

    public byte[] Body() => BodyUtf8 is not null ? Encoding.UTF8.GetBytes(BodyUtf8) : Convert.FromHexString(BodyHex ?? "");

    public SigningKey Key() => new(KeyId, Secret);

    public static IEnumerable<object[]> Names => All.Value.Keys.Select(name => new object[] { name });

    public static TestVector Named(string name) => All.Value[name];

    public SignedFields Fields(ReadOnlySpan<byte> bodySha256) => new()
    {
        KeyId = KeyId,
        Timestamp = Timestamp,
        Nonce = Nonce,
        TenantId = TenantId,
        Principal = Principal,
        Target = Target,
        BodySha256 = bodySha256,
    };

    public override string ToString() => Name;

    private static Dictionary<string, TestVector> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "signing-test-vectors.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        return document.RootElement.GetProperty("vectors").EnumerateArray()
            .Select(v => v.Deserialize<TestVector>(options)!)
            .ToDictionary(v => v.Name, StringComparer.Ordinal);
    }
}
