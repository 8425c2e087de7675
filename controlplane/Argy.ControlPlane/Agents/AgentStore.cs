using Argy.ControlPlane.Audit;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Dapper;

namespace Argy.ControlPlane.Agents;

/// <summary>An agent was last heard from at <see cref="AtMs"/> (Unix ms).</summary>
public readonly record struct AgentActivity(TenantScope Scope, string AgentId, long AtMs);

public sealed record AgentHello(string Hostname, string Os, string Arch, string Version, IReadOnlyList<string> ReportedTags, int Capacity);

public sealed class AgentStore(Database database, AuditTrail audit, TimeProvider time)
{
    private long Now => UnixMs.From(time.GetUtcNow());

    public (AgentRow Row, string EnrollmentToken) Create(
        TenantScope scope, string name, string description, IReadOnlyList<string> tags, TimeSpan enrollmentLifetime, string authMode = AgentAuthModes.ApiKey)
    {
        var idPart = Ids.RandomText(16);
        var enrollment = OpaqueToken.Issue(OpaqueToken.EnrollmentKind, idPart);
        var now = Now;
        var row = new AgentRow
        {
            Id = "agt_" + idPart,
            TenantId = scope.TenantId,
            Name = name,
            Description = description,
            Tags = Json.Write(tags),
            EnrollmentHash = enrollment.SecretHash,
            EnrollmentExpiresAt = now + (long)enrollmentLifetime.TotalMilliseconds,
            CreatedAt = now,
            AuthMode = authMode,
        };
        Insert(scope, row, "an enrollment token");
        return (row, enrollment.Token);
    }

    /// <summary>
    /// Creates an agent an approver admitted through the device flow. It has no enrollment token: the device
    /// that asked receives its credential when it next polls.
    /// </summary>
    /// <remarks>Part of the approval's change (<paramref name="write"/>), which the approval records.</remarks>
    public AgentRow CreateApproved(AuditedWrite write, TenantScope scope, string name, string description, IReadOnlyList<string> tags, string authMode)
    {
        var row = new AgentRow
        {
            Id = Ids.New("agt"),
            TenantId = scope.TenantId,
            Name = name,
            Description = description,
            Tags = Json.Write(tags),
            CreatedAt = Now,
            AuthMode = authMode,
        };
        Insert(write.Connection, write.Transaction, row);
        return row;
    }

    private void Insert(TenantScope scope, AgentRow row, string how)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        Insert(connection, transaction, row);
        audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.AgentCreated, AuditResources.Agent, row.Id,
            Detail: $"Agent {row.Name} created with {how}.", Data: new Dictionary<string, string?> { ["name"] = row.Name }));
        transaction.Commit();
    }

    private static void Insert(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, AgentRow row)
    {
        try
        {
            connection.Execute(
                """
                INSERT INTO agents (id, tenant_id, name, description, tags, enrollment_hash, enrollment_expires_at, status, created_at, auth_mode)
                VALUES (@Id, @TenantId, @Name, @Description, @Tags, @EnrollmentHash, @EnrollmentExpiresAt, 'Pending', @CreatedAt, @AuthMode)
                """,
                row, transaction);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */)
        {
            throw new DuplicateNameException(row.Name);
        }
    }

    public IReadOnlyList<AgentRow> List(TenantScope scope)
    {
        using var connection = database.Open();
        return connection.Query<AgentRow>(
            "SELECT * FROM agents WHERE tenant_id = @tenant ORDER BY created_at, id", new { tenant = scope.TenantId }).AsList();
    }

    public AgentRow? Get(TenantScope scope, string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<AgentRow>(
            "SELECT * FROM agents WHERE id = @id AND tenant_id = @tenant", new { id, tenant = scope.TenantId });
    }

    /// <summary>
    /// Looks an agent up by the id embedded in an enrollment token. The token's holder does not know its tenant
    /// yet: this lookup is what establishes it, so it is the one agent query without a tenant filter.
    /// </summary>
    public AgentRow? FindForEnrollment(string id)
    {
        using var connection = database.Open();
        return connection.QuerySingleOrDefault<AgentRow>("SELECT * FROM agents WHERE id = @id", new { id });
    }

    /// <summary>
    /// Swaps the one-time enrollment secret for the agent's credential. Succeeds once: the WHERE clause consumes
    /// the enrollment hash, so two racing enrollments with the same token cannot both win.
    /// </summary>
    public bool CompleteEnrollment(TenantScope scope, string id, byte[] enrollmentHash, AgentCredentialRow credential, AgentHello hello, AuditEntry entry) =>
        Enroll(scope, id, credential, hello, "enrollment_hash = @enrollmentHash AND enrollment_expires_at > @now", enrollmentHash, entry);

    /// <summary>
    /// Gives an agent approved through the device flow its first credential. Succeeds once: an agent that is
    /// already enrolled (or revoked) is left alone.
    /// </summary>
    public bool CompleteDeviceEnrollment(TenantScope scope, string id, AgentCredentialRow credential, AgentHello hello, AuditEntry entry) =>
        Enroll(scope, id, credential, hello, "enrollment_hash IS NULL AND enrolled_at IS NULL", null, entry);

    private bool Enroll(TenantScope scope, string id, AgentCredentialRow credential, AgentHello hello, string condition, byte[]? enrollmentHash, AuditEntry entry)
    {
        var now = Now;
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var enrolled = connection.Execute(
            $"""
            UPDATE agents
               SET enrollment_hash = NULL, enrollment_expires_at = NULL, auth_mode = @Mode,
                   enrolled_at = @now, status = 'Disconnected', hostname = @Hostname, os = @Os, arch = @Arch,
                   version = @Version, last_activity_at = @now
             WHERE id = @id AND tenant_id = @tenant AND revoked_at IS NULL AND {condition}
            """,
            new { id, tenant = scope.TenantId, enrollmentHash, credential.Mode, now, hello.Hostname, hello.Os, hello.Arch, hello.Version },
            transaction) == 1;
        if (!enrolled)
        {
            return false;
        }

        AgentCredentialStore.Insert(connection, transaction, credential);
        audit.Append(connection, transaction, scope, entry, AuditActor.Agent(id));
        transaction.Commit();
        return true;
    }

    /// <summary>Revokes the agent and every credential it has, in one transaction with its audit record.</summary>
    public bool Revoke(TenantScope scope, string id, AuditEntry entry)
    {
        var now = Now;
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var revoked = connection.Execute(
            """
            UPDATE agents SET revoked_at = @now, status = 'Revoked', enrollment_hash = NULL, credential_hash = NULL
             WHERE id = @id AND tenant_id = @tenant AND revoked_at IS NULL
            """,
            new { id, tenant = scope.TenantId, now },
            transaction) == 1;
        if (revoked)
        {
            AgentCredentialStore.RevokeAll(connection, transaction, scope, id, now);
            audit.Append(connection, transaction, scope, entry);
        }

        transaction.Commit();
        return revoked;
    }

    /// <summary>The agent's stream opened: its status and what it reported, with an <c>agent.connected</c> record.</summary>
    public void RecordHello(TenantScope scope, string id, AgentHello hello, AuditSource source)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var updated = connection.Execute(
            """
            UPDATE agents SET status = 'Connected', hostname = @Hostname, os = @Os, arch = @Arch, version = @Version,
                   reported_tags = @reported, capacity = @Capacity, last_activity_at = @now
             WHERE id = @id AND tenant_id = @tenant AND revoked_at IS NULL
            """,
            new { id, tenant = scope.TenantId, hello.Hostname, hello.Os, hello.Arch, hello.Version, hello.Capacity, reported = Json.Write(hello.ReportedTags), now = Now },
            transaction);
        if (updated == 1)
        {
            audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.AgentConnected, AuditResources.Agent, id,
                Detail: $"Stream opened from host '{hello.Hostname}' (version {hello.Version}).",
                Data: new Dictionary<string, string?> { ["hostname"] = hello.Hostname, ["version"] = hello.Version }), AuditActor.Agent(id), source);
        }

        transaction.Commit();
    }

    /// <summary>
    /// Stores when connected agents were last heard from, many in one transaction: the presence writer calls this
    /// periodically for every session with news, instead of each heartbeat writing its own row. A time never moves
    /// backwards, so a late batch cannot undo a newer write (a disconnect's).
    /// </summary>
    public void RecordActivity(IReadOnlyList<AgentActivity> activity)
    {
        if (activity.Count == 0)
        {
            return;
        }

        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            "UPDATE agents SET last_activity_at = MAX(COALESCE(last_activity_at, 0), $at) WHERE id = $id AND tenant_id = $tenant";
        var at = command.Parameters.Add("$at", Microsoft.Data.Sqlite.SqliteType.Integer);
        var id = command.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Text);
        var tenant = command.Parameters.Add("$tenant", Microsoft.Data.Sqlite.SqliteType.Text);
        command.Prepare();
        foreach (var item in activity)
        {
            at.Value = item.AtMs;
            id.Value = item.AgentId;
            tenant.Value = item.Scope.TenantId;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>The agent's stream ended (<paramref name="reason"/> says how), with an <c>agent.disconnected</c> record.</summary>
    public void RecordDisconnect(TenantScope scope, string id, bool failed, AuditActor actor, string reason, AuditSource source)
    {
        using var connection = database.Open();
        using var transaction = Database.BeginWrite(connection);
        var status = failed ? AgentStatus.Error : AgentStatus.Disconnected;
        var updated = connection.Execute(
            "UPDATE agents SET status = @status, last_activity_at = @now WHERE id = @id AND tenant_id = @tenant AND revoked_at IS NULL",
            new { id, tenant = scope.TenantId, now = Now, status }, transaction);
        if (updated == 1)
        {
            audit.Append(connection, transaction, scope, new AuditEntry(AuditActions.AgentDisconnected, AuditResources.Agent, id,
                failed ? AuditOutcome.Failure : AuditOutcome.Success, reason, new Dictionary<string, string?> { ["status"] = status }), actor, source);
        }

        transaction.Commit();
    }

    /// <summary>At start no agent can be connected yet; statuses left over from the previous run are reset for every tenant.</summary>
    public void ResetConnectionStatuses()
    {
        using var connection = database.Open();
        connection.Execute("UPDATE agents SET status = 'Disconnected' WHERE status = 'Connected'");
    }
}

public sealed class DuplicateNameException(string name) : Exception($"An agent named '{name}' already exists in this tenant.");
