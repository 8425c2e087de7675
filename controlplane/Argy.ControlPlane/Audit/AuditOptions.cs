using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Audit;

/// <summary>Settings of the audit trail (<c>Argy:Audit</c>): retention and content encryption.</summary>
public sealed class AuditOptions
{
    public const string Section = "Argy:Audit";

    public const int MinimumRetentionDays = 90;

    /// <summary>Records older than this many days are purged (at least 90).</summary>
    [Range(MinimumRetentionDays, 36500, ErrorMessage = "Argy:Audit:RetentionDays must be between 90 and 36500.")]
    public int RetentionDays { get; set; } = MinimumRetentionDays;

    /// <summary>How often the purge runs.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Content encryption keys by key id: base64 of 32 random bytes each. Keep retired keys to read old records.</summary>
    public Dictionary<string, string> ContentKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The key id new records' content is encrypted with; none means content is stored as plain text.</summary>
    public string? ActiveContentKey { get; set; }
}

internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var failures = new List<string>();
        if (options.PurgeInterval < TimeSpan.FromMinutes(1) || options.PurgeInterval > TimeSpan.FromDays(1))
        {
            failures.Add("Argy:Audit:PurgeInterval must be between 00:01:00 and 1.00:00:00.");
        }

        foreach (var (id, key) in options.ContentKeys)
        {
            if (!AuditContentCipher.KeyIdPattern().IsMatch(id))
            {
                failures.Add($"Argy:Audit:ContentKeys: '{id}' is not a valid key id (1-64 letters, digits, '.', '_' or '-').");
            }

            if (AuditContentCipher.DecodeKey(key) is null)
            {
                failures.Add($"Argy:Audit:ContentKeys:{id} must be the base64 encoding of exactly 32 bytes (AES-256).");
            }
        }

        if (!string.IsNullOrEmpty(options.ActiveContentKey) && !options.ContentKeys.ContainsKey(options.ActiveContentKey))
        {
            failures.Add($"Argy:Audit:ActiveContentKey '{options.ActiveContentKey}' is not one of Argy:Audit:ContentKeys.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
