using Argy.ControlPlane.Audit;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Api;
using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Security;
using Argy.ControlPlane.Storage;
using Argy.ControlPlane.Tenancy;
using Microsoft.Extensions.Options;
using static Argy.ControlPlane.DeviceFlow.OAuthErrors;

namespace Argy.ControlPlane.DeviceFlow;

/// <summary>
/// The device's side of RFC 8628: issue a device code and user code (§3.1-3.2), then answer polls of the token
/// endpoint (§3.4-3.5) until the request is approved, denied or expired. Errors are RFC 6749/8628 errors.
/// </summary>
public sealed partial class DeviceAuthorizationService(
    DeviceAuthorizationStore store,
    AgentService agents,
    ApiTokenStore tokens,
    IOptions<DeviceFlowOptions> options,
    TimeProvider time,
    ILogger<DeviceAuthorizationService> logger)
{
    private const int MaxText = 100;

    public DeviceAuthorizationResponse Authorize(IFormCollection form, string sourceIp, string verificationUri)
    {
        var settings = options.Value;
        var client = DeviceClients.Find(Single(form, "client_id"))
            ?? throw new OAuthException(InvalidClient, "Unknown client_id: this control plane serves argy-agent and argy-cli.");
        if (Single(form, "scope") is { } scope && scope != client.Scope)
        {
            throw new OAuthException(InvalidScope, $"The client {client.Id} may only ask for the scope '{client.Scope}'.");
        }

        var name = Text(form, "name");
        if (name.Length > 0 && !FieldErrors.NamePattern().IsMatch(name))
        {
            throw new OAuthException(InvalidRequest, "name: 1-100 characters, starting with a letter or digit.");
        }

        var tags = Tags(Single(form, "tags"));
        var (pending, fromIp) = store.CountPending(sourceIp);
        if (pending >= settings.MaxPending || fromIp >= settings.MaxPendingPerIp)
        {
            throw new OAuthException(TemporarilyUnavailable,
                "Too many device requests are waiting for approval; try again once some are approved, denied or expired.", StatusCodes.Status429TooManyRequests);
        }

        Span<byte> random = stackalloc byte[32];
        RandomNumberGenerator.Fill(random);
        var deviceCode = Base64Url.EncodeToString(random);
        var now = time.GetUtcNow();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var row = new DeviceAuthorizationRow
            {
                Id = Ids.New("dev"),
                DeviceCodeHash = SHA256.HashData(Encoding.ASCII.GetBytes(deviceCode)),
                UserCode = UserCode.Generate(),
                ClientId = client.Id,
                Scope = client.Scope,
                SourceIp = sourceIp,
                Hostname = Text(form, "hostname"),
                Os = Text(form, "os"),
                Arch = Text(form, "arch"),
                Version = Text(form, "version"),
                RequestedName = name,
                RequestedTags = Json.Write(tags),
                Status = DeviceStatus.Pending,
                IntervalSeconds = (int)settings.Interval.TotalSeconds,
                CreatedAt = UnixMs.From(now),
                ExpiresAt = UnixMs.From(now + settings.CodeLifetime),
            };
            if (!store.TryInsert(row, new AuditEntry(AuditActions.DeviceAuthorizationRequested, AuditResources.Device, row.Id,
                    Detail: $"Device authorization requested by {client.Id} on host '{row.Hostname}'; code expires at {UnixMs.To(row.ExpiresAt):O}.",
                    Data: new Dictionary<string, string?> { ["clientId"] = client.Id, ["hostname"] = row.Hostname })))
            {
                continue;
            }

            var userCode = UserCode.Format(row.UserCode);
            return new DeviceAuthorizationResponse(
                deviceCode,
                userCode,
                verificationUri,
                verificationUri + "?user_code=" + userCode,
                (int)settings.CodeLifetime.TotalSeconds,
                row.IntervalSeconds);
        }

        throw new OAuthException(TemporarilyUnavailable, "Could not allocate a user code; try again.", StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>One poll of the token endpoint with the device_code grant.</summary>
    public DeviceTokenResponse Poll(IFormCollection form, string sourceIp, Func<string> grpcUrl)
    {
        var grantType = Single(form, "grant_type") ?? throw new OAuthException(InvalidRequest, "grant_type is required.");
        if (grantType != DeviceCodeGrantType)
        {
            throw new OAuthException(UnsupportedGrantType, $"Only the device code grant ({DeviceCodeGrantType}) is supported here.");
        }

        var client = DeviceClients.Find(Single(form, "client_id"))
            ?? throw new OAuthException(InvalidClient, "Unknown or missing client_id.");
        var deviceCode = Single(form, "device_code") ?? throw new OAuthException(InvalidRequest, "device_code is required.");
        var row = deviceCode.Length <= 128 ? store.FindByDeviceCode(SHA256.HashData(Encoding.UTF8.GetBytes(deviceCode))) : null;
        if (row is null)
        {
            throw new OAuthException(InvalidGrant, "Unknown device_code.");
        }

        if (row.ClientId != client.Id)
        {
            throw new OAuthException(InvalidGrant, "This device_code was issued to another client.");
        }

        if (row.Status == DeviceStatus.Consumed)
        {
            throw new OAuthException(InvalidGrant, "This device_code was already exchanged; it works once.");
        }

        if (UnixMs.From(time.GetUtcNow()) >= row.ExpiresAt)
        {
            throw new OAuthException(ExpiredToken, "The device_code expired before it was approved; start again.");
        }

        switch (row.Status)
        {
            case DeviceStatus.Denied:
                throw new OAuthException(AccessDenied, "The request was denied.");
            case DeviceStatus.Pending when store.TryRecordPoll(row.Id):
                throw new OAuthException(AuthorizationPending, "Waiting for an approver.");
            case DeviceStatus.Pending:
                throw new OAuthException(SlowDown, $"Polling faster than every {row.IntervalSeconds} s; wait {row.IntervalSeconds + 5} s between requests from now on.");
        }

        if (!store.Consume(row.Id))
        {
            throw new OAuthException(InvalidGrant, "This device_code was already exchanged; it works once.");
        }

        // The credential's issue is the change recorded: agent.enrolled, or token.created for a CLI login.
        return client == DeviceClients.Agent ? EnrollAgent(row, grpcUrl()) : IssueLoginToken(row);
    }

    private DeviceTokenResponse EnrollAgent(DeviceAuthorizationRow row, string grpcUrl)
    {
        var scope = TenantScope.Of(row.TenantId!);
        var enrolled = agents.CompleteDeviceEnrollment(scope, row.AgentId!, AgentService.HelloFrom(row.Hostname, row.Os, row.Arch, row.Version), grpcUrl)
            ?? throw new OAuthException(AccessDenied, "The agent approved for this request was revoked before it could enroll.");
        LogEnrolled(logger, row.Id, enrolled.AgentId, enrolled.TenantId);
        return new DeviceTokenResponse
        {
            AccessToken = enrolled.Credential,
            TokenType = enrolled.AuthMode == AgentAuthModes.Hmac ? "HMAC" : "ApiKey",
            Scope = row.Scope,
            TenantId = enrolled.TenantId,
            AgentId = enrolled.AgentId,
            AgentName = enrolled.Name,
            Tags = enrolled.Tags,
            GrpcUrl = enrolled.GrpcUrl,
            AuthMode = enrolled.AuthMode,
            KeyId = enrolled.KeyId,
        };
    }

    private DeviceTokenResponse IssueLoginToken(DeviceAuthorizationRow row)
    {
        var lifetime = options.Value.LoginTokenLifetime;
        var host = row.Hostname.Length > 0 ? row.Hostname : "a terminal";
        var name = $"login from {host} approved by {row.DecidedBy}";
        var (token, secret) = tokens.Create(
            TenantScope.Of(row.TenantId!), name.Length > 100 ? name[..100] : name, row.Role!, time.GetUtcNow() + lifetime, LoginGrant.ToTokenGrant(row.LoginGrant, row.DecidedBy));
        return new DeviceTokenResponse
        {
            AccessToken = secret,
            TokenType = "Bearer",
            ExpiresIn = (int)lifetime.TotalSeconds,
            Scope = row.Scope,
            TenantId = token.TenantId,
            TokenId = token.Id,
            Role = token.Role,
        };
    }

    /// <summary>A parameter that may appear at most once (RFC 6749 §3.1); empty counts as absent.</summary>
    private static string? Single(IFormCollection form, string name)
    {
        var values = form[name];
        return values.Count switch
        {
            0 => null,
            1 => string.IsNullOrEmpty(values[0]) ? null : values[0],
            _ => throw new OAuthException(InvalidRequest, $"The parameter {name} is repeated."),
        };
    }

    /// <summary>What the device says about itself: shown to approvers, so short printable ASCII only.</summary>
    private static string Text(IFormCollection form, string name)
    {
        var value = Single(form, name) ?? "";
        if (value.Length > MaxText || value.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            throw new OAuthException(InvalidRequest, $"{name}: at most {MaxText} printable ASCII characters.");
        }

        return value;
    }

    private static List<string> Tags(string? value)
    {
        var tags = (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (tags.Count > 32 || tags.Any(tag => !FieldErrors.TagPattern().IsMatch(tag)))
        {
            throw new OAuthException(InvalidRequest, "tags: at most 32 comma-separated tags of 1-64 letters, digits, '.', '_', ':', '/', '=' or '-'.");
        }

        return tags;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device request {RequestId} exchanged: agent {AgentId} of tenant {TenantId} enrolled")]
    private static partial void LogEnrolled(ILogger logger, string requestId, string agentId, string tenantId);
}
