using System.Security.Cryptography;
using System.Text;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.Audit;

public sealed class AuditContentEncryptionTests : IDisposable
{
    private const string Secret = "POST /api/v1/deployments {\"script\":\"deploy --to prod\"} — ünïcødé";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "argy-audit-keys-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _k1 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly string _k2 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public AuditContentEncryptionTests() => Directory.CreateDirectory(_directory);

    private string DatabasePath => Path.Combine(_directory, "argy.db");

    [Fact]
    public async Task Content_is_stored_encrypted_and_reads_back_in_plain_text()
    {
        await using var cp = await StartAsync(("k1", _k1), active: "k1");

        var record = cp.Append(new AuditEntry("deployment.submitted", "deployment", "dep_1", Content: Secret));

        var (stored, keyId) = RawContent(cp, record.Seq);
        keyId.Should().Be("k1");
        stored.Length.Should().Be(12 + Encoding.UTF8.GetByteCount(Secret) + 16, "nonce, ciphertext and tag");
        Encoding.UTF8.GetString(stored).Should().NotContain("deploy --to prod");
        stored.AsSpan().IndexOf(Encoding.UTF8.GetBytes("deploy")).Should().Be(-1);
        (await ContentAsync(cp, record.Seq)).Should().Be(Secret);
        ((bool)(await cp.VerifyAsync())["ok"]!).Should().BeTrue("the chain covers the stored bytes and needs no key");
    }

    [Fact]
    public async Task After_rotating_the_active_key_old_records_still_decrypt_and_new_ones_use_the_new_key()
    {
        string tenantId;
        long oldSeq;
        await using (var before = await StartAsync(("k1", _k1), active: "k1"))
        {
            tenantId = before.TenantId;
            oldSeq = before.Append(new AuditEntry("deployment.submitted", "deployment", "dep_1", Content: Secret)).Seq;
        }

        await using var after = await StartAsync(("k1", _k1), ("k2", _k2), active: "k2");
        var newSeq = after.Append(new AuditEntry("deployment.submitted", "deployment", "dep_2", Content: "second " + Secret), tenantId).Seq;
        var admin = after.Http(after.Services.GetRequiredService<ApiTokenStore>().Create(TenantScope.Of(tenantId), "auditor", Roles.Admin).Token);

        RawContent(after, oldSeq).KeyId.Should().Be("k1");
        RawContent(after, newSeq).KeyId.Should().Be("k2");
        (await ContentAsync(after, oldSeq, admin)).Should().Be(Secret);
        (await ContentAsync(after, newSeq, admin)).Should().Be("second " + Secret);
        ((bool)(await after.VerifyAsync(admin))["ok"]!).Should().BeTrue();
    }

    [Fact]
    public async Task Content_whose_key_was_dropped_reads_as_null_but_the_chain_still_verifies()
    {
        string tenantId;
        await using (var before = await StartAsync(("k1", _k1), active: "k1"))
        {
            tenantId = before.TenantId;
            before.Append(new AuditEntry("deployment.submitted", "deployment", "dep_1", Content: Secret));
        }

        await using var after = await StartAsync(("k2", _k2), active: "k2");
        var admin = after.Http(after.Services.GetRequiredService<ApiTokenStore>().Create(TenantScope.Of(tenantId), "auditor", Roles.Admin).Token);
        var body = await TestControlPlane.Json(await admin.GetAsync("/api/v1/audit-events?action=deployment.submitted"), 200);

        var item = body["items"]!.AsArray().Single()!;
        item["content"].Should().BeNull();
        ((string)item["contentKeyId"]!).Should().Be("k1");
        ((bool)(await after.VerifyAsync(admin))["ok"]!).Should().BeTrue();
    }

    [Fact]
    public async Task Without_a_key_content_is_stored_as_plain_text()
    {
        await using var cp = await StartAsync();

        var record = cp.Append(new AuditEntry("deployment.submitted", "deployment", "dep_1", Content: Secret));

        var (stored, keyId) = RawContent(cp, record.Seq);
        keyId.Should().BeNull();
        Encoding.UTF8.GetString(stored).Should().Be(Secret);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task<TestControlPlane> StartAsync(params (string Id, string Key)[] keys) => StartAsync(keys, null);

    private Task<TestControlPlane> StartAsync((string Id, string Key) key, string active) => StartAsync([key], active);

    private Task<TestControlPlane> StartAsync((string Id, string Key) k1, (string Id, string Key) k2, string active) => StartAsync([k1, k2], active);

    private Task<TestControlPlane> StartAsync((string Id, string Key)[] keys, string? active)
    {
        var settings = new Dictionary<string, string?> { ["Argy:Storage:DatabasePath"] = DatabasePath, ["Argy:Audit:ActiveContentKey"] = active };
        foreach (var (id, key) in keys)
        {
            settings[$"Argy:Audit:ContentKeys:{id}"] = key;
        }

        return TestControlPlane.StartAsync(settings);
    }

    private static (byte[] Stored, string? KeyId) RawContent(TestControlPlane cp, long seq)
    {
        using var connection = cp.Services.GetRequiredService<Database>().Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT content, content_key_id FROM audit_events WHERE seq = $seq";
        command.Parameters.AddWithValue("$seq", seq);
        using var reader = command.ExecuteReader();
        reader.Read().Should().BeTrue();
        return ((byte[])reader.GetValue(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    private static async Task<string?> ContentAsync(TestControlPlane cp, long seq, HttpClient? client = null)
    {
        var body = await TestControlPlane.Json(await (client ?? cp.Admin()).GetAsync("/api/v1/audit-events?limit=1000"), 200);
        return (string?)body["items"]!.AsArray().Single(i => (long)i!["seq"]! == seq)!["content"];
    }
}
