using System.CommandLine;
using Argy.ControlPlane.Storage;

namespace Argy.ControlPlane.Audit;

/// <summary><c>argy-controlplane audit verify</c>: check the hash chains straight from the SQLite file, server stopped or not.</summary>
public static class AuditCommand
{
    public static Command Create(IConfiguration configuration)
    {
        var database = new Option<string?>("--database") { Description = "SQLite file (default: Argy:Storage:DatabasePath)" };
        var tenant = new Option<string?>("--tenant") { Description = "Verify only this tenant's chain (tenant id)" };
        var verify = new Command("verify", "Verify the audit trail's hash chains; exit 1 naming the first broken record") { database, tenant };
        verify.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(database) ?? configuration[$"{StorageOptions.Section}:DatabasePath"] ?? new StorageOptions().DatabasePath;
            return Verify(path, parseResult.GetValue(tenant), Console.Out, Console.Error);
        });
        return new Command("audit", "Audit trail maintenance") { verify };
    }

    /// <summary>Verifies the chains in <paramref name="path"/>: 0 when all verify, 1 when one is broken, 2 when the file cannot be checked.</summary>
    public static int Verify(string path, string? only, TextWriter output, TextWriter error)
    {
        if (!File.Exists(path))
        {
            error.WriteLine($"error: no database at {Path.GetFullPath(path)}");
            return 2;
        }

        var db = new Database(path);
        using (var connection = db.Open())
        {
            if (Migrations.CurrentVersion(connection) < 5)
            {
                error.WriteLine($"error: {db.Path} predates the hash chain (schema version {Migrations.CurrentVersion(connection)}); start the control plane once to upgrade it.");
                return 2;
            }
        }

        var chains = only is null ? AuditChainVerifier.VerifyAll(db) : [(only, AuditChainVerifier.Verify(db, only))];
        var broken = 0;
        foreach (var (tenantId, result) in chains)
        {
            var name = tenantId is null ? "records of no tenant" : $"tenant {tenantId}";
            if (result.FirstBroken is { } first)
            {
                broken++;
                output.WriteLine($"{name}: broken at record {first.Seq}: {first.Detail} ({result.Checked} record(s) verified before it)");
            }
            else
            {
                output.WriteLine($"{name}: ok, {result.Checked} record(s) verified"
                    + (result.AnchorSeq is { } anchor ? $" from the retention anchor at record {anchor}" : "")
                    + (result.Unchained > 0 ? $", {result.Unchained} older unchained record(s) not covered" : ""));
            }
        }

        return broken == 0 ? 0 : 1;
    }
}
