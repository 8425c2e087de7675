using System.Net;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Tenancy;

namespace Argy.ControlPlane.Settings;

/// <summary>The identity and settings decisions that go to the tenant's audit trail (<see cref="AuditLog"/>).</summary>
public sealed class SecurityAudit(AuditLog audit)
{
    public const string IpDenied = "ip.denied";
    public const string UserInvited = "user.invited";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string UserDeleted = "user.deleted";
    public const string UserRoleChanged = "user.role.changed";
    public const string SessionStarted = "session.started";
    public const string SettingsChanged = "settings.changed";
    public const string ScimTokenIssued = "scim.token.issued";
    public const string ConfigImported = "config.imported";

    public void Denied(string action, string actor, TenantScope scope, string subject, IPAddress? address, string detail = "") =>
        audit.Record(new AuditEvent(action, AuditOutcomes.Denied, actor, scope.TenantId, subject, address?.ToString(), detail));

    public void Changed(string action, string actor, TenantScope scope, string subject, IPAddress? address = null, string detail = "") =>
        audit.Record(new AuditEvent(action, AuditOutcomes.Success, actor, scope.TenantId, subject, address?.ToString(), detail));
}
