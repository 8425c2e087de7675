using System.Text.Json;
using Argy.Agent.Enrollment;
using Argy.Agent.State;
using Argy.Protocol;
using Argy.Protocol.Signing;
using Microsoft.Extensions.Time.Testing;

namespace Argy.Agent.Tests.Enrollment;

public sealed class CredentialRotationClientTests : IAsyncLifetime
{
    private const string Secret = "argy_agk_abc_the-current-hmac-secret-0123456789";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));
    private ScriptedHttpServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await ScriptedHttpServer.StartAsync(_time);
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private AgentState State(string mode) => new()
    {
        AgentId = "agt_abc",
        TenantId = "ten_1",
        Credential = Secret,
        ControlPlaneUrl = _server.Url,
        GrpcUrl = new Uri("http://127.0.0.1:8081"),
        Name = "web-07",
        AuthMode = mode,
        KeyId = mode == "hmac" ? "key_old" : null,
    };

    private static string Rotated(string mode) => JsonSerializer.Serialize(new
    {
        agentId = "agt_abc",
        tenantId = "ten_1",
        credential = "argy_agk_abc_the-new-secret-0123456789012345",
        authMode = mode,
        keyId = "key_new",
        previousKeysExpireAt = "2026-01-01T00:15:00+00:00",
    });

    [Fact]
    public async Task In_hmac_mode_the_request_is_signed_over_method_path_and_body()
    {
        var verifier = new HttpRequestVerifier(new SignatureVerifier(_time, new NonceCache(_time, SigningScheme.NonceMemory), SigningScheme.MaxClockSkew));
        _server.Inspect = request =>
        {
            var check = verifier.Verify("POST", request.RawTarget, name => request.Headers.TryGetValue(name, out var v) ? v.ToString() : null, request.Body,
                ProtocolHeaders.AgentId, claims => claims.KeyId == "key_old" ? new SigningKey("key_old", Secret) : null);
            return check.IsValid ? (200, Rotated("hmac")) : (401, $$"""{"detail":"{{check.Check}}"}""");
        };

        var (state, previousExpires) = await new CredentialRotationClient(_http, _time).RotateAsync(State("hmac"), CancellationToken.None);

        state.Credential.Should().Be("argy_agk_abc_the-new-secret-0123456789012345");
        state.KeyId.Should().Be("key_new");
        state.AgentId.Should().Be("agt_abc");
        state.Name.Should().Be("web-07");
        previousExpires.Should().Be(DateTimeOffset.Parse("2026-01-01T00:15:00+00:00", System.Globalization.CultureInfo.InvariantCulture));
        _server.Requests.Single().RawTarget.Should().Be("/api/v1/agents/agt_abc/credentials/rotate");
        _server.Requests.Single().Headers.ContainsKey("authorization").Should().BeFalse("the secret never travels in hmac mode");
    }

    [Fact]
    public async Task In_apikey_mode_the_key_is_sent_and_a_refusal_is_reported_as_such()
    {
        _server.Answer("/api/v1/agents/agt_abc/credentials/rotate", 401, """{"title":"Unauthorized","detail":"Unknown agent or wrong credential."}""");

        var refusal = await new CredentialRotationClient(_http, _time).Invoking(c => c.RotateAsync(State("apikey"), CancellationToken.None))
            .Should().ThrowAsync<EnrollmentException>();

        refusal.Which.Refused.Should().BeTrue();
        refusal.Which.Message.Should().Be("Unknown agent or wrong credential.");
        ((string?)_server.Requests.Single().Headers["authorization"]).Should().Be("ApiKey " + Secret);
    }
}
