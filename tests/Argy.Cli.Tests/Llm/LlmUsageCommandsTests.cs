using System.Text.Json.Nodes;
using Argy.Cli.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Argy.Cli.Tests.Llm;

/// <summary>`argy llm quotas` and `argy usage` against a small fake of the control plane's LLM and usage endpoints.</summary>
public sealed class LlmUsageCommandsTests : IAsyncLifetime
{
    private FakeApi _api = null!;

    private static readonly object Quotas = new
    {
        roleMonthlyCredits = new Dictionary<string, decimal?> { ["PLATFORM_ADMIN"] = null, ["PLATFORM_USER"] = 50, ["VIEWER"] = 0.5m },
        timeZone = "Europe/Paris",
        warningPercent = 80,
        criticalPercent = 95,
        alertRecipients = new[] { "ops@example.test" },
        reservationMinutes = 15,
        currentPeriod = "2025-06",
        periodEndsAt = "2025-06-30T22:00:00+00:00",
        userOverrides = new object[]
        {
            new { userId = "usr_1", email = "ada@example.test", monthlyTokens = 2_000_000, monthlyCredits = 2, unlimited = false },
            new { userId = "usr_2", email = "bob@example.test", monthlyTokens = (long?)null, monthlyCredits = (decimal?)null, unlimited = true },
        },
    };

    public async Task InitializeAsync() => _api = await FakeApi.StartAsync(app =>
    {
        app.MapGet("/api/v1/llm/quotas", () => Results.Json(Quotas));
        app.MapPut("/api/v1/llm/quotas", () => Results.Json(Quotas));
        app.MapPut("/api/v1/llm/quotas/users/{id}", (string id) => id == "usr_nope"
            ? Results.Problem(title: "Not found", detail: "No user with id 'usr_nope' exists in your tenant.", statusCode: 404)
            : Results.Json(new { userId = id, email = "ada@example.test", monthlyTokens = (long?)null, monthlyCredits = (decimal?)null, unlimited = true }));
        app.MapGet("/api/v1/usage/llm", (string by) => Results.Json(new
        {
            by,
            from = "2025-05-02T12:00:00+00:00",
            to = "2025-06-01T12:00:00+00:00",
            items = new object[]
            {
                new { key = "usr_1", email = "ada@example.test", requests = 3, inputTokens = 1_000_000, outputTokens = 500_000, totalTokens = 1_500_000, credits = 1.5m },
                new { key = "usr_2", email = (string?)null, requests = 1, inputTokens = 10, outputTokens = 5, totalTokens = 15, credits = 0.000015m },
            },
            total = new { key = "total", email = (string?)null, requests = 4, inputTokens = 1_000_010, outputTokens = 500_005, totalTokens = 1_500_015, credits = 1.500015m },
        }));
        app.MapGet("/api/v1/usage/deployments", () => Results.Json(new
        {
            by = "product",
            from = "2025-05-02T12:00:00+00:00",
            to = "2025-06-01T12:00:00+00:00",
            items = new[] { new { product = "web", count = 10, succeeded = 7, failed = 2, cancelled = 1, active = 0 } },
            total = new { product = "total", count = 10, succeeded = 7, failed = 2, cancelled = 1, active = 0 },
        }));
        app.MapGet("/api/v1/usage/trend", (int days) => Results.Json(new
        {
            timeZone = "UTC",
            days,
            items = new[]
            {
                new { date = "2025-05-31", deployments = 0, llmRequests = 0, llmTokens = 0, llmCredits = 0m },
                new { date = "2025-06-01", deployments = 4, llmRequests = 2, llmTokens = 2_000_000, llmCredits = 2m },
            },
        }));
    });

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private Task<CliResult> Run(params string[] args) => CliRunner.RunAsync(["--url", _api.Url, "--token", "t", .. args]);

    [Fact]
    public async Task Quotas_show_prints_roles_overrides_and_alert_settings()
    {
        var result = await Run("llm", "quotas", "show");

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().StartWith(
            "ROLE            MONTHLY CREDITS\n" +
            "PLATFORM_ADMIN  unlimited\n" +
            "PLATFORM_USER   50\n" +
            "VIEWER          0.5\n\n" +
            "USER   EMAIL             MONTHLY CREDITS\n" +
            "usr_1  ada@example.test  2\n" +
            "usr_2  bob@example.test  unlimited\n");
        result.StdOut.Should().Contain("time zone:     Europe/Paris (period 2025-06").And.Contain("warning 80%, critical 95%, to ops@example.test");
    }

    [Fact]
    public async Task Quotas_set_sends_only_the_given_fields_with_credits_and_unlimited_roles()
    {
        var result = await Run("llm", "quotas", "set", "--role", "PLATFORM_USER=20.5", "--role", "platform_admin=unlimited", "--time-zone", "UTC", "--warning", "70");

        result.ExitCode.Should().Be(0, result.StdErr);
        var body = _api.Requests.Single(r => r.Line == "PUT /api/v1/llm/quotas").Json!.AsObject();
        body.Select(p => p.Key).Should().BeEquivalentTo("roleMonthlyCredits", "timeZone", "warningPercent");
        ((decimal)body["roleMonthlyCredits"]!["PLATFORM_USER"]!).Should().Be(20.5m);
        body["roleMonthlyCredits"]!.AsObject().ContainsKey("PLATFORM_ADMIN").Should().BeTrue();
        body["roleMonthlyCredits"]!["PLATFORM_ADMIN"].Should().BeNull();
        ((int)body["warningPercent"]!).Should().Be(70);
    }

    [Theory]
    [InlineData("--role", "PLATFORM_USER")]
    [InlineData("--role", "PLATFORM_USER=lots")]
    public async Task Quotas_set_with_a_malformed_role_exits_2_with_one_line(string option, string value)
    {
        var result = await Run("llm", "quotas", "set", option, value);

        result.ExitCode.Should().Be(2);
        result.StdErr.Trim().Split('\n').Should().ContainSingle().Which.Should().StartWith("error: ");
        _api.Requests.Should().NotContain(r => r.Line.StartsWith("PUT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Quotas_set_without_changes_is_a_usage_error()
    {
        var result = await Run("llm", "quotas", "set");

        result.ExitCode.Should().Be(2);
        result.StdErr.Should().Contain("nothing to change");
    }

    [Fact]
    public async Task Set_user_sends_credits_or_unlimited_and_reports_a_missing_user()
    {
        (await Run("llm", "quotas", "set-user", "usr_1", "unlimited")).StdOut.Should().Contain("ada@example.test: unlimited a month");
        (await Run("llm", "quotas", "set-user", "usr_1", "2.25")).ExitCode.Should().Be(0);
        var bodies = _api.Requests.Where(r => r.Line == "PUT /api/v1/llm/quotas/users/usr_1").Select(r => r.Json!.ToJsonString()).ToList();
        bodies.Should().Equal("""{"unlimited":true}""", """{"monthlyCredits":2.25}""");

        var missing = await Run("llm", "quotas", "set-user", "usr_nope", "1");
        missing.ExitCode.Should().Be(2);
        missing.StdErr.Should().Contain("No user with id 'usr_nope'");
    }

    [Fact]
    public async Task Usage_llm_prints_a_table_with_the_total_and_json_on_request()
    {
        var result = await Run("usage", "llm", "--by", "user", "--from", "2025-05-01");

        result.ExitCode.Should().Be(0, result.StdErr);
        result.StdOut.Should().StartWith(
            "USER   EMAIL             REQUESTS  INPUT    OUTPUT  TOKENS   CREDITS\n" +
            "usr_1  ada@example.test  3         1000000  500000  1500000  1.5\n" +
            "usr_2  -                 1         10       5       15       0.000015\n" +
            "total  -                 4         1000010  500005  1500015  1.500015\n");
        _api.Requests.Should().Contain(r => r.Line == "GET /api/v1/usage/llm?by=user&from=2025-05-01");

        var json = await Run("usage", "llm", "--by", "model", "--json");
        JsonNode.Parse(json.StdOut)!["by"]!.GetValue<string>().Should().Be("model");
        (await Run("usage", "llm", "--by", "team")).ExitCode.Should().Be(2);
    }

    [Fact]
    public async Task Usage_deployments_and_trend_print_tables()
    {
        var deployments = await Run("usage", "deployments");
        deployments.ExitCode.Should().Be(0, deployments.StdErr);
        deployments.StdOut.Should().StartWith(
            "PRODUCT  COUNT  SUCCEEDED  FAILED  CANCELLED  ACTIVE\n" +
            "web      10     7          2       1          0\n" +
            "total    10     7          2       1          0\n");

        var trend = await Run("usage", "trend", "--days", "2");
        trend.ExitCode.Should().Be(0, trend.StdErr);
        trend.StdOut.Should().Be(
            "DATE        DEPLOYMENTS  LLM REQUESTS  LLM TOKENS  LLM CREDITS\n" +
            "2025-05-31  0            0             0           0\n" +
            "2025-06-01  4            2             2000000     2\n" +
            "time zone UTC\n");
        _api.Requests.Should().Contain(r => r.Line == "GET /api/v1/usage/trend?days=2");
    }
}
