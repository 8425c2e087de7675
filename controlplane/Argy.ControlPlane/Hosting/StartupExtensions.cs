using System.Net;
using System.Text.Json;
using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Hosting;

public static partial class StartupExtensions
{
    /// <summary>REST on one endpoint, gRPC on an HTTP/2-only one, both from Argy:Server.</summary>
    public static WebApplicationBuilder ListenOnArgyEndpoints(this WebApplicationBuilder builder)
    {
        var bound = new BoundEndpoints();
        builder.Services.AddSingleton(bound);
        builder.Services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var server = builder.Configuration.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPEndPoint.Parse(server.Http), listen =>
            {
                // HTTP/2 without TLS cannot be negotiated next to HTTP/1.1; TLS termination usually sits in front.
                listen.Protocols = HttpProtocols.Http1;
                bound.HttpListen = listen;
            });
            kestrel.Listen(IPEndPoint.Parse(server.Grpc), listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                bound.GrpcListen = listen;
            });
            // Agents hold their stream open for days: detect dead peers even when nothing is sent.
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            // Log output streams in 64 KiB chunks; windows of several chunks keep an agent from stalling on flow control.
            kestrel.Limits.Http2.InitialConnectionWindowSize = 8 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 4 * 1024 * 1024;
        });
        return builder;
    }

    /// <summary>Applies schema migrations, resets connection statuses and, on an empty database, creates the first tenant.</summary>
    public static WebApplication PrepareDatabase(this WebApplication app)
    {
        var database = app.Services.GetRequiredService<Database>();
        var version = Migrations.Apply(database);
        app.Services.GetRequiredService<AgentStore>().ResetConnectionStatuses();
        LogDatabase(app.Logger, database.Path, version);

        var autoBootstrap = app.Configuration.GetValue("Argy:Bootstrap:Auto", defaultValue: true);
        if (autoBootstrap && !app.Services.GetRequiredService<TenantStore>().Any())
        {
            var result = app.Services.GetRequiredService<Bootstrapper>().CreateTenant("default");
            if (result is not null)
            {
                app.Lifetime.ApplicationStarted.Register(() =>
                    Bootstrapper.PrintBanner(Console.Out, result, HttpUrl(app.Services.GetRequiredService<BoundEndpoints>())));
            }
        }

        return app;
    }

    /// <summary>Once listening, logs the real addresses and writes them to Argy:Server:ReadyFile when set.</summary>
    public static WebApplication AnnounceWhenListening(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var bound = app.Services.GetRequiredService<BoundEndpoints>();
            var http = HttpUrl(bound);
            var grpc = bound.Grpc is { } g ? $"http://{g}" : "";
            LogListening(app.Logger, http, grpc);
            var readyFile = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.ReadyFile;
            if (!string.IsNullOrEmpty(readyFile))
            {
                var temporary = readyFile + ".tmp";
                File.WriteAllText(temporary, JsonSerializer.Serialize(new ReadyInfo(http, grpc, Environment.ProcessId), ReadyJsonContext.Default.ReadyInfo));
                File.Move(temporary, readyFile, overwrite: true);
            }
        });
        return app;
    }

    private static string HttpUrl(BoundEndpoints bound) => bound.Http is { } h ? $"http://{h}" : "";

    [LoggerMessage(Level = LogLevel.Information, Message = "Database {Path} at schema version {Version}")]
    private static partial void LogDatabase(ILogger logger, string path, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening: REST API on {HttpUrl}, agent gRPC on {GrpcUrl}")]
    private static partial void LogListening(ILogger logger, string httpUrl, string grpcUrl);
}

public sealed record ReadyInfo(string Http, string Grpc, int Pid);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ReadyInfo))]
internal sealed partial class ReadyJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
