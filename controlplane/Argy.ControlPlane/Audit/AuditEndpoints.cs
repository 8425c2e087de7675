using System.Globalization;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Audit;

public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit-events").WithTags("Audit").RequireAuthorization(Permissions.AuditRead);

        audit.MapGet("/", (HttpContext context, Database database, AuditContentCipher cipher, TimeProvider time) =>
            {
                var errors = new FieldErrors();
                var filter = AuditFilter.Parse(context.Request.Query, time.GetUtcNow(), errors);
                var limit = Number(context.Request.Query, "limit", errors, 1, 1000) ?? 100;
                var cursor = Number(context.Request.Query, "cursor", errors, 1, long.MaxValue);
                errors.ThrowIfAny();
                using var connection = database.Open();
                var rows = AuditReader.Page(connection, context.Caller().Scope, filter, cursor, (int)limit + 1);
                var page = rows.Take((int)limit).Select(r => AuditEventResponse.From(r, cipher)).ToList();
                var next = rows.Count > limit ? page[^1].Seq.ToString(CultureInfo.InvariantCulture) : null;
                return TypedResults.Ok(new AuditPage(page, next));
            })
            .WithSummary("Your tenant's audit records, newest first: filter by period (24h, 7d, 30d, custom from/to), actor, action, resource and outcome; page with cursor");

        audit.MapGet("/verify", (HttpContext context, Database database) =>
                TypedResults.Ok(AuditChainVerifier.Verify(database, context.Caller().Scope.TenantId)))
            .WithSummary("Check your tenant's hash chain: ok, how many records were checked, and the first broken record");

        audit.MapGet("/export", async (HttpContext context, Database database, AuditContentCipher cipher, TimeProvider time) =>
            {
                var errors = new FieldErrors();
                var filter = AuditFilter.Parse(context.Request.Query, time.GetUtcNow(), errors);
                var format = context.Request.Query["format"].ToString() is { Length: > 0 } f ? f : AuditExport.Csv;
                errors.Require(format is AuditExport.Csv or AuditExport.JsonLines, "format", "format must be csv or jsonl.");
                errors.ThrowIfAny();

                var scope = context.Caller().Scope;
                await using var connection = database.Open();
                // One read transaction: the export is a consistent snapshot while new records keep arriving.
                await using var transaction = connection.BeginTransaction(deferred: true);
                var response = context.Response;
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = AuditExport.ContentType(format);
                var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
                response.Headers.ContentDisposition = $"attachment; filename=\"audit-{stamp}.{format}\"";
                await AuditExport.WriteAsync(format, AuditReader.Stream(connection, transaction, scope, filter), cipher, response.BodyWriter, context.RequestAborted);
            })
            .WithSummary("Stream your tenant's audit records, oldest first, as CSV (RFC 4180) or JSON lines; same filters as the list");

        return api;
    }

    private static long? Number(IQueryCollection query, string name, FieldErrors errors, long min, long max)
    {
        if (query[name].ToString() is not { Length: > 0 } text)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add(name, name == "cursor" ? "cursor must be a value returned as nextCursor." : $"{name} must be between {min} and {max}.");
        return null;
    }
}
