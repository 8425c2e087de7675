using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Argy.ControlPlane.Audit;

/// <summary>
/// The tamper-evident link between records: each record's hash covers every stored field, its sequence number
/// and the hash of its tenant's previous record, so editing a field, deleting a record or swapping two breaks the
/// chain at that record. Fields are length-prefixed so no two different records encode alike.
/// </summary>
public static class AuditChain
{
    public const int HashSize = 32;

    /// <summary>The previous hash of a tenant's first record.</summary>
    public static readonly byte[] Genesis = new byte[HashSize];

    public static byte[] Compute(AuditRecord record, ReadOnlySpan<byte> previous)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previous);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, record.Seq);
        hash.AppendData(number);
        BinaryPrimitives.WriteInt64BigEndian(number, record.At);
        hash.AppendData(number);
        foreach (var field in new[]
                 {
                     record.TenantId, record.OrgId, record.Action, record.Outcome, record.ActorType, record.Actor,
                     record.ResourceType, record.ResourceId, record.Subject, record.SourceIp, record.UserAgent,
                     record.CorrelationId, record.Detail, record.Data, record.ContentKeyId,
                 })
        {
            Append(hash, field is null ? null : Encoding.UTF8.GetBytes(field));
        }

        Append(hash, record.Content);
        return hash.GetHashAndReset();
    }

    private static void Append(IncrementalHash hash, byte[]? bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes?.Length ?? -1);
        hash.AppendData(length);
        if (bytes is not null)
        {
            hash.AppendData(bytes);
        }
    }
}
