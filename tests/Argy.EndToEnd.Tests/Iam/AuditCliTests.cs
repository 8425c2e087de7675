using System.Net.Http.Json;
using Argy.EndToEnd.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Argy.EndToEnd.Tests.Iam;

/// <summary>`argy audit verify` against the real control plane, before and after its SQLite file is edited behind its back.</summary>
[Collection(IamCollection.Name)]
public sealed class AuditCliTests(IamFixture fixture)
{
    private ControlPlane ControlPlane => fixture.ControlPlane;

    [Fact]
    public async Task Editing_a_record_in_the_database_file_makes_argy_audit_verify_fail_naming_that_record()
    {
        var tenant = await ControlPlane.CreateTenantAsync("audit-" + Guid.NewGuid().ToString("N")[..8]);
        using var admin = ControlPlane.Api(tenant);
        for (var i = 0; i < 3; i++)
        {
            await ApiClient.ExpectJson(await admin.Http.PostAsJsonAsync("/api/v1/products", new { name = $"app-{i}" }), 201);
        }

        var intact = await ArgyCli.RunAsync(ControlPlane, tenant, "audit", "verify");
        intact.ExitCode.Should().Be(0, intact.StandardError);
        intact.StandardOutput.Should().StartWith("audit chain ok:");

        long edited;
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = ControlPlane.DatabasePath, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText =
                """
                UPDATE audit_events SET detail = 'nothing happened here'
                 WHERE seq = (SELECT seq FROM audit_events WHERE tenant_id = $tenant AND action = 'product.created' ORDER BY seq LIMIT 1 OFFSET 1)
                RETURNING seq
                """;
            command.Parameters.AddWithValue("$tenant", tenant.TenantId);
            edited = (long)command.ExecuteScalar()!;
        }

        var broken = await ArgyCli.RunAsync(ControlPlane, tenant, "audit", "verify");
        broken.ExitCode.Should().Be(1, broken.StandardOutput);
        broken.StandardError.Should().StartWith($"audit chain broken at record {edited}:");
    }
}
