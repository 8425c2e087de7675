namespace Argy.ControlPlane.Audit;

/// <summary>One row of the audit trail, exactly as stored and hashed.</summary>
public sealed class AuditRecord
{
    public long Seq { get; init; }
    public string? TenantId { get; init; }
    public string? OrgId { get; init; }
    public long At { get; init; }
    public string Action { get; init; } = "";
    public string Outcome { get; init; } = "";
    public string ActorType { get; init; } = AuditActorType.System;
    public string Actor { get; init; } = "";
    public string? ResourceType { get; init; }
    public string? ResourceId { get; init; }
    /// <summary>Kept for records written before resource columns existed.</summary>
    public string? Subject { get; init; }
    public string? SourceIp { get; init; }
    public string? UserAgent { get; init; }
    public string? CorrelationId { get; init; }
    public string Detail { get; init; } = "";
    /// <summary>JSON object of <see cref="AuditEntry.Data"/>, or null.</summary>
    public string? Data { get; init; }
    /// <summary>Content bytes: UTF-8 text, or AES-256-GCM ciphertext when <see cref="ContentKeyId"/> is set.</summary>
    public byte[]? Content { get; init; }
    public string? ContentKeyId { get; init; }
    public byte[]? PrevHash { get; init; }
    public byte[]? Hash { get; init; }
}
