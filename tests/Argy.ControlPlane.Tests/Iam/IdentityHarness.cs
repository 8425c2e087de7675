using System.Security.Cryptography;
using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Sessions;
using Argy.ControlPlane.Settings;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Tests.Storage;
using Argy.ControlPlane.Users;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Argy.ControlPlane.Tests.Iam;

/// <summary>The identity stores and session service on a real SQLite file with a fake clock.</summary>
internal sealed class IdentityHarness : IDisposable
{
    private readonly TestDatabase _db = new();

    public IdentityHarness(SessionsOptions? options = null)
    {
        Tenants = new TenantStore(_db.Database, Time);
        Audit = new AuditTrail(new Microsoft.AspNetCore.Http.HttpContextAccessor(), Time, new AuditContentCipher(Microsoft.Extensions.Options.Options.Create(new AuditOptions())));
        Writes = new AuditedWrites(_db.Database, Audit);
        Users = new UserStore(_db.Database, Audit, Time);
        Sessions = new SessionStore(_db.Database, Audit, Time);
        Settings = new TenantSettingsStore(_db.Database, Audit, Time);
        Keys = new SigningKeys(_db.Database, new SecretBox(RandomNumberGenerator.GetBytes(32)), Time);
        Service = new SessionService(Sessions, Users, Writes, Keys, Settings, Options.Create(options ?? new SessionsOptions()), Time, NullLogger<SessionService>.Instance);
        Tenant = TenantScope.Of(Tenants.Create("acme").Id);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero));

    public TenantStore Tenants { get; }

    public AuditTrail Audit { get; }

    public AuditedWrites Writes { get; }

    /// <summary>The audit entry of a change a test makes directly through a store.</summary>
    public static AuditEntry TestChange { get; } = new("test.changed", "test", null);

    /// <summary>Sets a user's role the way the user service does: one audited change.</summary>
    public void SetRole(string userId, string role)
    {
        using var write = Writes.Begin();
        Users.SetRole(write.Connection, write.Transaction, Tenant, userId, role);
        write.Commit(Tenant, TestChange);
    }

    public UserStore Users { get; }

    public SessionStore Sessions { get; }

    public TenantSettingsStore Settings { get; }

    public SigningKeys Keys { get; }

    public SessionService Service { get; }

    public TenantScope Tenant { get; }

    public UserRow ActiveUser(string role = "PLATFORM_USER", TenantScope? scope = null) =>
        Users.Create(scope ?? Tenant, new NewUser($"u{Guid.NewGuid():N}@example.test", "", null, null, role, UserStatus.Active, UserSource.Invitation))!;

    public void Dispose() => _db.Dispose();
}
