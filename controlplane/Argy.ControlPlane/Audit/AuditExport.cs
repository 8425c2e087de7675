using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Argy.ControlPlane.Audit;

/// <summary>
/// Writes records as CSV (RFC 4180: a header row, CRLF line ends, fields holding a quote, comma, CR or LF quoted
/// with inner quotes doubled) or as JSON lines, row by row into a pipe that is flushed every few tens of kilobytes,
/// so an export of any size runs in constant memory. Values are written exactly as stored: a spreadsheet may
/// treat a field starting with <c>=</c>, <c>+</c>, <c>-</c> or <c>@</c> as a formula.
/// </summary>
public static class AuditExport
{
    public const string Csv = "csv";
    public const string JsonLines = "jsonl";

    private const int FlushThreshold = 64 * 1024;

    private static readonly string[] Columns =
    [
        "seq", "at", "tenantId", "orgId", "actorType", "actor", "action", "outcome", "resourceType", "resourceId", "subject",
        "sourceIp", "userAgent", "correlationId", "detail", "data", "content", "contentKeyId", "prevHash", "hash",
    ];

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string ContentType(string format) => format == Csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";

    public static async Task WriteAsync(string format, IEnumerable<AuditRecord> records, AuditContentCipher cipher, PipeWriter output, CancellationToken ct)
    {
        if (format == Csv)
        {
            await WriteCsvAsync(records, cipher, output, ct);
        }
        else
        {
            await WriteJsonLinesAsync(records, cipher, output, ct);
        }
    }

    public static async Task WriteCsvAsync(IEnumerable<AuditRecord> records, AuditContentCipher cipher, PipeWriter output, CancellationToken ct)
    {
        var line = new StringBuilder(1024);
        var pending = 0L;
        AppendRow(line, Columns);
        pending += Encoding.UTF8.GetBytes(line.ToString().AsSpan(), output);
        var fields = new string?[Columns.Length];
        foreach (var record in records)
        {
            Fields(record, cipher, fields);
            line.Clear();
            AppendRow(line, fields);
            foreach (var chunk in line.GetChunks())
            {
                pending += Encoding.UTF8.GetBytes(chunk.Span, output);
            }

            if (pending >= FlushThreshold)
            {
                pending = 0;
                await FlushAsync(output, ct);
            }
        }

        await FlushAsync(output, ct);
    }

    public static async Task WriteJsonLinesAsync(IEnumerable<AuditRecord> records, AuditContentCipher cipher, PipeWriter output, CancellationToken ct)
    {
        await using var json = new Utf8JsonWriter(output, JsonOptions);
        var fields = new string?[Columns.Length];
        var pending = 0L;
        foreach (var record in records)
        {
            Fields(record, cipher, fields);
            json.WriteStartObject();
            json.WriteNumber("seq", record.Seq);
            for (var i = 1; i < Columns.Length; i++)
            {
                if (Columns[i] == "data" && AuditEventResponse.ParseData(record.Data) is { } data)
                {
                    json.WriteStartObject("data");
                    foreach (var (key, value) in data)
                    {
                        json.WriteString(key, value);
                    }

                    json.WriteEndObject();
                }
                else
                {
                    json.WriteString(Columns[i], fields[i]);
                }
            }

            json.WriteEndObject();
            json.Flush();
            pending += json.BytesCommitted + 1;
            json.Reset();
            var newline = output.GetSpan(1);
            newline[0] = (byte)'\n';
            output.Advance(1);
            if (pending >= FlushThreshold)
            {
                pending = 0;
                await FlushAsync(output, ct);
            }
        }

        await FlushAsync(output, ct);
    }

    private static void Fields(AuditRecord record, AuditContentCipher cipher, string?[] fields)
    {
        fields[0] = record.Seq.ToString(CultureInfo.InvariantCulture);
        fields[1] = DateTimeOffset.FromUnixTimeMilliseconds(record.At).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        fields[2] = record.TenantId;
        fields[3] = record.OrgId;
        fields[4] = record.ActorType;
        fields[5] = record.Actor;
        fields[6] = record.Action;
        fields[7] = record.Outcome;
        fields[8] = record.ResourceType;
        fields[9] = record.ResourceId;
        fields[10] = record.Subject;
        fields[11] = record.SourceIp;
        fields[12] = record.UserAgent;
        fields[13] = record.CorrelationId;
        fields[14] = record.Detail;
        fields[15] = record.Data;
        fields[16] = cipher.Open(record.Content, record.ContentKeyId);
        fields[17] = record.ContentKeyId;
        fields[18] = AuditEventResponse.Hex(record.PrevHash);
        fields[19] = AuditEventResponse.Hex(record.Hash);
    }

    /// <summary>One CSV row per RFC 4180, ending in CRLF. A null field is empty.</summary>
    internal static void AppendRow(StringBuilder line, IReadOnlyList<string?> fields)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                line.Append(',');
            }

            var value = fields[i] ?? "";
            if (value.AsSpan().IndexOfAny("\",\r\n") >= 0)
            {
                line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                line.Append(value);
            }
        }

        line.Append("\r\n");
    }

    private static async Task FlushAsync(PipeWriter output, CancellationToken ct)
    {
        var result = await output.FlushAsync(ct);
        if (result.IsCanceled || result.IsCompleted)
        {
            // The client went away; stop reading rows.
            throw new OperationCanceledException("the export's reader went away", ct);
        }
    }
}
