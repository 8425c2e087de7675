using Argy.ControlPlane.Storage;
using Prometheus;

namespace Argy.ControlPlane.Observability;

public static class HealthEndpoints
{
    /// <summary>/healthz (the process serves requests), /readyz (database reachable, schema current), /metrics (Prometheus).</summary>
    public static WebApplication MapHealthAndMetrics(this WebApplication app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).WithTags("Health").AllowAnonymous();

        app.MapGet("/readyz", IResult (Database database) =>
            {
                try
                {
                    using var connection = database.Open();
                    var version = Migrations.CurrentVersion(connection);
                    return version == Migrations.Latest
                        ? TypedResults.Ok(new { status = "ready", schemaVersion = version })
                        : TypedResults.Problem($"Schema version {version}, expected {Migrations.Latest}.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready");
                }
                catch (Microsoft.Data.Sqlite.SqliteException e)
                {
                    return TypedResults.Problem($"The database is not reachable: {e.Message}", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready");
                }
            })
            .WithTags("Health")
            .AllowAnonymous();

        var snapshot = app.Services.GetRequiredService<MetricsSnapshot>();
        Metrics.DefaultRegistry.AddBeforeCollectCallback(snapshot.Refresh);
        app.MapMetrics("/metrics").AllowAnonymous();
        return app;
    }

    public static IServiceCollection AddArgyObservability(this IServiceCollection services)
    {
        // Process metrics stay; the runtime event-counter bridge costs CPU on every scrape interval for little use here.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true, SuppressMeters = true, SuppressDebugMetrics = true });
        services.AddSingleton<MetricsSnapshot>();
        return services;
    }
}
