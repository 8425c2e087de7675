using System.Text.Json;
using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Audit;

/// <summary>One audit record as the API shows it: every stored field, <c>content</c> decrypted when its key is configured.</summary>
public sealed record AuditEventResponse(
    long Seq,
    DateTimeOffset At,
    string? TenantId,
    string? OrgId,
    string ActorType,
    string Actor,
    string Action,
    string Outcome,
    string? ResourceType,
    string? ResourceId,
    string? Subject,
    string? SourceIp,
    string? UserAgent,
    string? CorrelationId,
    string Detail,
    IReadOnlyDictionary<string, string?>? Data,
    string? Content,
    string? ContentKeyId,
    string? PrevHash,
    string? Hash)
{
    public static AuditEventResponse From(AuditRecord record, AuditContentCipher cipher) => new(
        record.Seq, UnixMs.To(record.At), record.TenantId, record.OrgId, record.ActorType, record.Actor, record.Action, record.Outcome,
        record.ResourceType, record.ResourceId, record.Subject, record.SourceIp, record.UserAgent, record.CorrelationId, record.Detail,
        ParseData(record.Data), cipher.Open(record.Content, record.ContentKeyId), record.ContentKeyId, Hex(record.PrevHash), Hex(record.Hash));

    internal static IReadOnlyDictionary<string, string?>? ParseData(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, AuditJson.Default.IReadOnlyDictionaryStringString);
        }
        catch (JsonException)
        {
            // An edited record can hold anything; verification reports it, reading must not fail on it.
            return new Dictionary<string, string?> { ["_unparsed"] = json };
        }
    }

    internal static string? Hex(byte[]? bytes) => bytes is null ? null : Convert.ToHexStringLower(bytes);
}

/// <summary>A page of records, newest first; pass <see cref="NextCursor"/> as <c>cursor</c> for the next (older) page.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEventResponse> Items, string? NextCursor);
