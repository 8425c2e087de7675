using System.Globalization;
using System.Text.Json;
using Argy.ControlPlane.Audit;

namespace Argy.ControlPlane.Delivery;

/// <summary>
/// How an audit record leaves the control plane. Its id, <c>evt_&lt;seq&gt;</c>, is the record's sequence number in
/// this control plane's audit trail: unique across tenants of one installation and the same on every redelivery,
/// so a receiver de-duplicates by it. The record's <c>content</c> (possibly encrypted request content) never leaves.
/// </summary>
public static class DeliveryEvent
{
    public const string IdPrefix = "evt_";

    public static string IdOf(long seq) => IdPrefix + seq.ToString(CultureInfo.InvariantCulture);

    public static string IdOf(AuditRecord record) => IdOf(record.Seq);

    /// <summary>RFC 3339 UTC with milliseconds, e.g. <c>2026-01-01T00:00:00.000Z</c>.</summary>
    public static string Timestamp(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The JSON body of one event.</summary>
    public static byte[] ToJson(AuditRecord record, string? id = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", id ?? IdOf(record));
            json.WriteNumber("seq", record.Seq);
            json.WriteString("tenant", record.TenantId);
            json.WriteString("org", record.OrgId);
            json.WriteString("at", Timestamp(record.At));
            json.WriteString("action", record.Action);
            json.WriteString("outcome", record.Outcome);
            json.WriteStartObject("actor");
            json.WriteString("type", record.ActorType);
            json.WriteString("id", record.Actor);
            json.WriteEndObject();
            json.WriteStartObject("resource");
            json.WriteString("type", record.ResourceType);
            json.WriteString("id", record.ResourceId ?? record.Subject);
            json.WriteEndObject();
            json.WriteString("sourceIp", record.SourceIp);
            json.WriteString("userAgent", record.UserAgent);
            json.WriteString("correlationId", record.CorrelationId);
            json.WriteString("detail", record.Detail);
            json.WritePropertyName("data");
            WriteData(json, record.Data);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The record's data as a string map; empty when it has none or it is not a JSON object.</summary>
    public static IReadOnlyDictionary<string, string?> DataOf(AuditRecord record)
    {
        var data = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(record.Data))
        {
            return data;
        }

        try
        {
            using var document = JsonDocument.Parse(record.Data);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return data;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                data[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => property.Value.GetString(),
                    _ => property.Value.GetRawText(),
                };
            }
        }
        catch (JsonException)
        {
        }

        return data;
    }

    private static void WriteData(Utf8JsonWriter json, string? data)
    {
        if (string.IsNullOrEmpty(data))
        {
            json.WriteNullValue();
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(data);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                document.RootElement.WriteTo(json);
                return;
            }
        }
        catch (JsonException)
        {
        }

        json.WriteNullValue();
    }
}
