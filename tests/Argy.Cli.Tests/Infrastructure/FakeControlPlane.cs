using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Argy.Cli.Tests.Infrastructure;

/// <summary>A <see cref="FakeApi"/> that plays the control plane's REST contract for agents and deployment runs.</summary>
internal sealed class FakeControlPlane : IAsyncDisposable
{
    public const string Token = "test-token";

    private static readonly DateTimeOffset Created = CliRunner.Now.AddSeconds(-10);

    private FakeApi _api = null!;
    private int _followRequests;
    private int _statusReads;

    private FakeControlPlane(FakeRun run) => Run = run;

    public FakeRun Run { get; }

    public string Url => _api.Url;

    /// <summary>"METHOD path?query" of every request, in arrival order.</summary>
    public IEnumerable<string> Requests => _api.Requests.Select(r => r.Line);

    public JsonNode? LastDeploymentRequest { get; private set; }

    public JsonNode? LastAgentRequest { get; private set; }

    /// <summary>When set, every API call answers with this instead of playing the contract.</summary>
    public IResult? ForcedAnswer { get; set; }

    public string[] CliArgs(params string[] args) => ["--url", Url, "--token", Token, .. args];

    public static async Task<FakeControlPlane> StartAsync(FakeRun? run = null)
    {
        var fake = new FakeControlPlane(run ?? new FakeRun());
        fake._api = await FakeApi.StartAsync(fake.Map);
        return fake;
    }

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization != $"Bearer {Token}")
            {
                await Results.Problem(title: "Unauthorized", detail: "missing or invalid API token", statusCode: 401).ExecuteAsync(context);
                return;
            }

            if (ForcedAnswer is not null)
            {
                await ForcedAnswer.ExecuteAsync(context);
                return;
            }

            await next(context);
        });

        app.MapPost("/api/v1/agents", async (HttpRequest request) =>
        {
            var body = await JsonNode.ParseAsync(request.Body);
            LastAgentRequest = body;
            return Results.Json(new
            {
                id = "agt_0001",
                name = (string?)body!["name"],
                description = (string?)body["description"],
                tags = body["tags"],
                enrollmentToken = "enr_secret",
                enrollmentTokenExpiresAt = CliRunner.Now.AddHours(1),
            }, statusCode: 201);
        });

        app.MapGet("/api/v1/agents", () => Results.Json(new
        {
            items = new object[]
            {
                Agent("agt_0001", "web-1", "Connected", ["linux", "web"], "0.1.0", CliRunner.Now.AddSeconds(-3)),
                Agent("agt_0002", "db-1", "Pending", [], null, null),
            },
        }));

        app.MapPost("/api/v1/agents/{id}/revoke", (string id) =>
            Results.Json(Agent(id, "web-1", "Revoked", [], null, null)));

        app.MapPost("/api/v1/deployments", async (HttpRequest request) =>
        {
            LastDeploymentRequest = await JsonNode.ParseAsync(request.Body);
            return Results.Json(Deployment(Run.PendingReads is null ? "Queued" : "PendingApproval", finished: false), statusCode: 202);
        });

        app.MapGet("/api/v1/deployments/{runId}", (string runId) =>
            runId == Run.RunId ? Results.Json(StatusRead()) : NotFound(runId));

        app.MapPost("/api/v1/deployments/{runId}/cancel", (string runId) =>
            runId == Run.RunId ? Results.Json(Deployment("Running", finished: false), statusCode: 202) : NotFound(runId));

        app.MapGet("/api/v1/deployments", () => Results.Json(new { items = new[] { Deployment(Run.FinalStatus, finished: true) } }));

        app.MapGet("/api/v1/deployments/{runId}/logs", StreamLogsAsync);
    }

    private async Task StreamLogsAsync(HttpContext context, string runId, bool follow, long? after)
    {
        var isFirstFollow = follow && Interlocked.Increment(ref _followRequests) == 1;
        context.Response.ContentType = "application/x-ndjson";
        var sent = 0;
        for (var i = 0; i < Run.Chunks.Count; i++)
        {
            var seq = i + 1;
            if (seq <= (after ?? 0))
            {
                continue;
            }

            if (isFirstFollow && sent == Run.DropFirstFollowAfter)
            {
                // Give the client time to read what was flushed, so the drop falls between two lines.
                await Task.Delay(100);
                context.Abort();
                return;
            }

            var chunk = Run.Chunks[i];
            var line = JsonSerializer.Serialize(new
            {
                seq,
                stream = chunk.Stream,
                timestamp = Created.AddSeconds(seq),
                data = Convert.ToBase64String(chunk.Data),
            });
            await context.Response.WriteAsync(line + "\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            sent++;
        }

        Run.OnChunksDelivered?.Invoke();
        if (follow && Run.NeverEnds)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>A run needing approval: pending for a while, then rejected (ended) or approved (queued, then its final status).</summary>
    private object StatusRead()
    {
        var read = Interlocked.Increment(ref _statusReads);
        if (Run.PendingReads is not { } pending)
        {
            return Deployment(Run.FinalStatus, finished: true);
        }

        return read <= pending ? Deployment("PendingApproval", finished: false)
            : Run.Decision == "rejected" ? Deployment("Rejected", finished: true)
            : read == pending + 1 ? Deployment("Queued", finished: false)
            : Deployment(Run.FinalStatus, finished: true);
    }

    private object? Approval(string status) => Run.PendingReads is null ? null
        : status == "PendingApproval" ? new { state = "pending" }
        : new { state = Run.Decision, decidedBy = Run.DecidedBy, decidedAt = Created.AddSeconds(5), comment = Run.DecisionComment };

    private object Deployment(string status, bool finished) => new
    {
        runId = Run.RunId,
        product = "web",
        status,
        exitCode = finished ? Run.ExitCode : null,
        message = finished ? (status == "Rejected" ? $"Rejected by {Run.DecidedBy}: {Run.DecisionComment}" : Run.Message) : null,
        agentId = "agt_0001",
        tags = new[] { "linux" },
        timeoutSeconds = 1800,
        createdAt = Created,
        startedAt = Created.AddSeconds(1),
        finishedAt = finished ? Created.AddSeconds(2.5) : (DateTimeOffset?)null,
        approval = Approval(status),
    };

    private static object Agent(string id, string name, string status, string[] tags, string? version, DateTimeOffset? lastActivity) => new
    {
        id,
        name,
        description = "",
        tags,
        status,
        lastActivityAt = lastActivity,
        version,
        hostname = "host",
        os = "linux",
        arch = "x64",
        capacity = 1,
        runningJobs = 0,
        createdAt = Created,
    };

    private static IResult NotFound(string id) =>
        Results.Problem(title: "Not Found", detail: $"no run with id {id}", statusCode: 404);
}
