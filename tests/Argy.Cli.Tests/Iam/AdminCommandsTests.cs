using Argy.Cli.Login;
using Argy.Cli.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Argy.Cli.Tests.Iam;

/// <summary>The administration commands against a small fake of the control plane's users and config endpoints.</summary>
public sealed class AdminCommandsTests : IAsyncLifetime
{
    private FakeApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeApi.StartAsync(app =>
    {
        app.MapGet("/api/v1/users", () => Results.Json(new
        {
            items = new object[]
            {
                new { id = "usr_1", email = "ada@example.test", displayName = "Ada", role = "PLATFORM_ADMIN", status = "Active", teams = new[] { new { id = "team_1", name = "core" } } },
                new { id = "usr_2", email = "bob@example.test", displayName = "", role = "VIEWER", status = "Invited", teams = Array.Empty<object>() },
            },
            total = 2,
        }));
        app.MapPost("/api/v1/users", () => Results.Json(new
        {
            user = new { id = "usr_3", email = "new@example.test", role = "VIEWER" },
            invitationExpiresAt = "2025-06-08T12:00:00Z",
        }, statusCode: 201));
        app.MapPost("/api/v1/users/{id}/disable", () => Results.Problem(title: "Conflict", detail: "You cannot disable yourself.", statusCode: 409));
        app.MapPost("/api/v1/config/import/preview", () => Results.Json(new
        {
            changes = new object[]
            {
                new { section = "teams", action = "create", item = "team core" },
                new { section = "quotas", action = "unchanged", item = "quotas" },
            },
            warnings = new[] { "OIDC provider 'okta' is created without a client secret" },
            fingerprint = "abc123",
        }));
        app.MapPost("/api/v1/config/import", () => Results.Json(new { applied = new object[] { new { section = "teams", action = "create", item = "team core" } }, warnings = Array.Empty<string>() }));
    });

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Users_list_prints_a_table_and_invite_sends_the_fields()
    {
        var list = await CliRunner.RunAsync("--url", _api.Url, "--token", "t", "users", "list", "--search", "a b", "--status", "Active");
        list.ExitCode.Should().Be(0, list.StdErr);
        list.StdOut.Should().Be(
            "ID     EMAIL             NAME  ROLE            STATUS   TEAMS\n" +
            "usr_1  ada@example.test  Ada   PLATFORM_ADMIN  Active   core\n" +
            "usr_2  bob@example.test  -     VIEWER          Invited  -\n");
        _api.Requests.Should().Contain(r => r.Line == "GET /api/v1/users?search=a%20b&status=Active");

        var invite = await CliRunner.RunAsync("--url", _api.Url, "--token", "t", "users", "invite", "--email", "new@example.test", "--role", "VIEWER", "--teams", "core,ops");
        invite.ExitCode.Should().Be(0, invite.StdErr);
        invite.StdOut.Should().Contain("invited new@example.test as VIEWER (id usr_3)");
        var body = _api.Requests.Last(r => r.Line == "POST /api/v1/users").Json!;
        body["teams"]!.AsArray().Select(t => (string)t!).Should().Equal("core", "ops");
        body.AsObject().ContainsKey("displayName").Should().BeFalse("options not given are not sent");
    }

    [Fact]
    public async Task A_refused_change_prints_the_problem_and_exits_2()
    {
        var result = await CliRunner.RunAsync("--url", _api.Url, "--token", "t", "users", "disable", "usr_1");

        result.ExitCode.Should().Be(2);
        result.StdErr.Should().Contain("You cannot disable yourself.");
    }

    [Fact]
    public async Task Config_import_previews_then_applies_with_the_previews_fingerprint()
    {
        var file = Path.Combine(Path.GetTempPath(), $"argy-config-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{"format": "argy-config/v1", "sections": ["teams"]}""");
        try
        {
            var preview = await CliRunner.RunAsync("--url", _api.Url, "--token", "t", "config", "import", "--file", file);
            preview.ExitCode.Should().Be(0, preview.StdErr);
            preview.StdOut.Should().Contain("+ teams: team core (create)").And.Contain("= quotas: quotas (unchanged)")
                .And.Contain("warning: OIDC provider 'okta'").And.Contain("1 change(s) previewed");
            _api.Requests.Should().NotContain(r => r.Line == "POST /api/v1/config/import");

            var applied = await CliRunner.RunAsync("--url", _api.Url, "--token", "t", "config", "import", "--file", file, "--yes");
            applied.ExitCode.Should().Be(0, applied.StdErr);
            applied.StdOut.Should().Contain("applied 1 change(s)");
            var body = _api.Requests.Single(r => r.Line == "POST /api/v1/config/import").Json!;
            ((string)body["confirm"]!).Should().Be("abc123");
            ((string)body["document"]!["format"]!).Should().Be("argy-config/v1");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/activate?token=argy_act_abc_def", "argy_act_abc_def")]
    [InlineData("https://argy.example/sign-in?token=argy_mlk_x_y%2Dz&utm=1", "argy_mlk_x_y-z")]
    [InlineData("  argy_mlk_plain_token ", "argy_mlk_plain_token")]
    public void A_link_or_its_token_is_accepted(string link, string token) => LoginCommand.TokenOf(link).Should().Be(token);
}
