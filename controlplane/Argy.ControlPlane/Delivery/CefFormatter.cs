using System.Globalization;
using System.Text;
using Argy.ControlPlane.Audit;

namespace Argy.ControlPlane.Delivery;

/// <summary>
/// Formats an audit record as one ArcSight Common Event Format line:
/// <c>CEF:0|Argy|Argy Control Plane|version|action|name|severity|extension</c>. Header fields escape <c>\</c> and
/// <c>|</c> (line breaks, which a header cannot hold, become spaces); extension values escape <c>\</c>, <c>=</c>
/// and line breaks as <c>\n</c> / <c>\r</c>, and leave <c>|</c> as it is.
/// </summary>
public static class CefFormatter
{
    public const string Vendor = "Argy";
    public const string Product = "Argy Control Plane";

    public static readonly string Version =
        typeof(CefFormatter).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";

    /// <summary>
    /// 8 for revocations, 7 for refusals (outcome denied), 6 for failures, 5 for deletions and disablements,
    /// 3 for everything else that succeeded.
    /// </summary>
    public static int Severity(AuditRecord record) =>
        record.Action.Contains("revoked", StringComparison.Ordinal) ? 8
        : record.Outcome == AuditOutcome.Denied ? 7
        : record.Outcome == AuditOutcome.Failure || record.Action.EndsWith(".failed", StringComparison.Ordinal) ? 6
        : record.Action.EndsWith(".deleted", StringComparison.Ordinal) || record.Action.EndsWith(".disabled", StringComparison.Ordinal) ? 5
        : 3;

    public static string Format(AuditRecord record, string? id = null)
    {
        var line = new StringBuilder(512);
        line.Append("CEF:0|");
        Header(line, Vendor);
        Header(line, Product);
        Header(line, Version);
        Header(line, record.Action);
        Header(line, string.IsNullOrWhiteSpace(record.Detail) ? record.Action : record.Detail);
        line.Append(Severity(record).ToString(CultureInfo.InvariantCulture)).Append('|');

        var first = true;
        void Extension(string key, string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            if (!first)
            {
                line.Append(' ');
            }

            first = false;
            line.Append(key).Append('=');
            EscapeValue(line, value);
        }

        Extension("rt", record.At.ToString(CultureInfo.InvariantCulture));
        Extension("externalId", id ?? DeliveryEvent.IdOf(record));
        Extension("act", record.Action);
        Extension("outcome", record.Outcome);
        Extension("suser", record.Actor);
        Extension("src", record.SourceIp);
        Extension("requestClientApplication", record.UserAgent);
        Extension("msg", record.Detail);
        Extension("cs1Label", "tenant");
        Extension("cs1", record.TenantId);
        if (!string.IsNullOrEmpty(record.OrgId))
        {
            Extension("cs2Label", "org");
            Extension("cs2", record.OrgId);
        }

        Extension("cs3Label", "actorType");
        Extension("cs3", record.ActorType);
        var resourceId = record.ResourceId ?? record.Subject;
        if (!string.IsNullOrEmpty(record.ResourceType) || !string.IsNullOrEmpty(resourceId))
        {
            Extension("cs4Label", "resourceType");
            Extension("cs4", record.ResourceType);
            Extension("cs5Label", "resourceId");
            Extension("cs5", resourceId);
        }

        if (!string.IsNullOrEmpty(record.CorrelationId))
        {
            Extension("cs6Label", "correlationId");
            Extension("cs6", record.CorrelationId);
        }

        if (!string.IsNullOrEmpty(record.Data))
        {
            Extension("flexString1Label", "data");
            Extension("flexString1", record.Data);
        }

        return line.ToString();
    }

    /// <summary>A header field followed by its separator: <c>\</c> → <c>\\</c>, <c>|</c> → <c>\|</c>, line breaks → space.</summary>
    public static void Header(StringBuilder line, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    line.Append(@"\\");
                    break;
                case '|':
                    line.Append(@"\|");
                    break;
                case '\r' or '\n':
                    line.Append(' ');
                    break;
                default:
                    line.Append(c);
                    break;
            }
        }

        line.Append('|');
    }

    /// <summary>An extension value: <c>\</c> → <c>\\</c>, <c>=</c> → <c>\=</c>, LF → <c>\n</c>, CR → <c>\r</c>; <c>|</c> unchanged.</summary>
    public static void EscapeValue(StringBuilder line, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    line.Append(@"\\");
                    break;
                case '=':
                    line.Append(@"\=");
                    break;
                case '\n':
                    line.Append(@"\n");
                    break;
                case '\r':
                    line.Append(@"\r");
                    break;
                default:
                    line.Append(c);
                    break;
            }
        }
    }
}
