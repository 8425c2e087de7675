using System.CommandLine;
using System.Text.Json;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;

namespace Argy.ControlPlane.Hosting;

/// <summary><c>argy-controlplane bootstrap</c>: create a tenant and its first admin token without starting the server.</summary>
public static class BootstrapCommand
{
    public static Command Create(IConfiguration configuration)
    {
        var database = new Option<string?>("--database") { Description = "SQLite file (default: Argy:Storage:DatabasePath)" };
        var tenant = new Option<string>("--tenant") { Description = "Name of the tenant to create", DefaultValueFactory = _ => "default" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (for scripts)" };
        var command = new Command("bootstrap", "Create a tenant and its first admin API token (printed once)") { database, tenant, json };
        command.SetAction(parseResult =>
        {
            var path = parseResult.GetValue(database) ?? configuration[$"{StorageOptions.Section}:DatabasePath"] ?? new StorageOptions().DatabasePath;
            var db = new Database(path);
            Migrations.Apply(db);
            var bootstrapper = new Bootstrapper(new TenantStore(db, TimeProvider.System), new ApiTokenStore(db, AuditTrailFor(configuration), TimeProvider.System));
            var name = parseResult.GetValue(tenant)!;
            var result = bootstrapper.CreateTenant(name);
            if (result is null)
            {
                Console.Error.WriteLine($"error: tenant '{name}' already exists in {db.Path}; its tokens were shown when it was created.");
                return 1;
            }

            if (parseResult.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(result, BootstrapJsonContext.Default.BootstrapResult));
            }
            else
            {
                Bootstrapper.PrintBanner(Console.Out, result, url: null);
            }

            return 0;
        });
        return command;
    }

    // The bootstrap record is chained and sealed like any other, with the content keys the server would use.
    private static Audit.AuditTrail AuditTrailFor(IConfiguration configuration) =>
        new(new HttpContextAccessor(), TimeProvider.System, new Audit.AuditContentCipher(
            Microsoft.Extensions.Options.Options.Create(configuration.GetSection(Audit.AuditOptions.Section).Get<Audit.AuditOptions>() ?? new Audit.AuditOptions())));
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(BootstrapResult))]
internal sealed partial class BootstrapJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
