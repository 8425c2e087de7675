using System.CommandLine;
using System.Text.Json.Serialization;
using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Approvals;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.ConfigTransfer;
using Argy.ControlPlane.Delivery;
using Argy.ControlPlane.Deployments;
using Argy.ControlPlane.DeviceFlow;
using Argy.ControlPlane.Email;
using Argy.ControlPlane.Gateway;
using Argy.ControlPlane.Hosting;
using Argy.ControlPlane.Llm;
using Argy.ControlPlane.Observability;
using Argy.ControlPlane.Orgs;
using Argy.ControlPlane.Problems;
using Argy.ControlPlane.Quotas;
using Argy.ControlPlane.Scim;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Products;
using Argy.ControlPlane.Sessions;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Teams;
using Argy.ControlPlane.Usage;
using Argy.ControlPlane.Users;
using Microsoft.AspNetCore.DataProtection;
using Serilog;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// Maintenance commands run against the database without starting the server.
if (args is ["bootstrap", ..] or ["audit", ..] or ["--version"] or ["--help"] or ["-h"])
{
    var root = new RootCommand("Argy control plane. Without a command it serves the REST API and the agents' gRPC endpoint.")
    {
        BootstrapCommand.Create(builder.Configuration),
        AuditCommand.Create(builder.Configuration),
    };
    return await root.Parse(args).InvokeAsync();
}

builder.Services.AddSerilog((services, logger) => logger
    .ReadFrom.Configuration(builder.Configuration)
    .Enrich.FromLogContext()
    .WriteTo.Console(formatProvider: System.Globalization.CultureInfo.InvariantCulture));

builder.ListenOnArgyEndpoints();
builder.Services
    .AddArgyStorage()
    .AddArgyProblems()
    .AddArgyAuth()
    .AddArgyAgents()
    .AddArgyDeployments()
    .AddArgyGateway()
    .AddArgyObservability()
    .AddArgyEmail()
    .AddArgySettings()
    .AddArgyUsers()
    .AddArgySessions()
    .AddArgyTeams()
    .AddArgyProducts()
    .AddArgyOrgs()
    .AddArgyScim()
    .AddArgyConfigTransfer();
builder.Services.AddArgyAudit();
builder.Services.AddArgyAuditTrail();
builder.Services.AddArgyDeviceFlow();
builder.Services.AddArgyQuotas();
builder.Services.AddArgyApprovals();
builder.Services.AddArgyLlm();
builder.Services.AddArgyUsage();
builder.Services.AddArgyDelivery();
builder.Services.ConfigureHttpJsonOptions(json =>
{
    // Unknown fields are a client bug worth hearing about, not something to ignore silently.
    json.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
});
builder.Services.AddOpenApi();
// Nothing here protects data with ASP.NET's data-protection keys; don't leave a key ring on disk.
builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();

var app = builder.Build();
app.PrepareDatabase();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseArgyRequestPolicies();
app.UseAuthorization();

app.MapOpenApi("/openapi/{documentName}.json");
app.MapGrpcService<AgentGatewayService>();
app.MapHealthAndMetrics();

var api = app.MapGroup("/api/v1").AddEndpointFilter<TenantHeaderCheck>();
api.MapAgentEndpoints();
api.MapDeploymentEndpoints();
api.MapTokenEndpoints();
api.MapAuditEndpoints();
api.MapDeviceApprovalEndpoints();
app.MapDeviceFlow();
api.MapUserEndpoints();
api.MapSessionEndpoints();
api.MapTeamEndpoints();
api.MapProductEndpoints();
api.MapOrgEndpoints();
api.MapSettingsEndpoints();
api.MapConfigTransferEndpoints();
api.MapQuotaEndpoints();
api.MapApprovalEndpoints();
api.MapLlmEndpoints();
api.MapUsageEndpoints();
api.MapDeliveryEndpoints();
app.MapScimEndpoints();
app.MapSignInPages();

app.AnnounceWhenListening();
await app.RunAsync();
return 0;

/// <summary>The control plane's entry point; public so tests can host it.</summary>
public partial class Program;
