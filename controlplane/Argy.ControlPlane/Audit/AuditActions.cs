namespace Argy.ControlPlane.Audit;

/// <summary>
/// The audit trail's vocabulary: every action name any code writes. Names are <c>&lt;resource&gt;.&lt;verb in past
/// tense&gt;</c>, lower-case; <c>ACTIONS.md</c> lists them with their meaning.
/// </summary>
public static class AuditActions
{
    // Agents
    public const string AgentCreated = "agent.created";
    public const string AgentEnrolled = "agent.enrolled";
    public const string AgentEnrollmentRefused = "agent.enrollment.refused";
    public const string AgentConnected = "agent.connected";
    public const string AgentDisconnected = "agent.disconnected";
    public const string AgentRevoked = "agent.revoked";
    public const string AgentCredentialRotated = "agent.credential.rotated";
    public const string AgentAuthRejected = "agent.auth.rejected";

    // Deployments (submitted and approval_requested are written by DeploymentStore.Create; cancel_requested and
    // cancelled by a cancel request, DeploymentService.Cancel; the others by the agent stream and the run sweeper)
    public const string DeploymentSubmitted = "deployment.submitted";
    public const string DeploymentApprovalRequested = "deployment.approval_requested";
    public const string DeploymentApproved = "deployment.approved";
    public const string DeploymentRejected = "deployment.rejected";
    public const string DeploymentCancelRequested = "deployment.cancel_requested";
    public const string DeploymentStarted = "deployment.started";
    public const string DeploymentSucceeded = "deployment.succeeded";
    public const string DeploymentFailed = "deployment.failed";
    public const string DeploymentCancelled = "deployment.cancelled";
    public const string DeploymentTimedOut = "deployment.timed_out";
    public const string DeploymentAgentLost = "deployment.agent_lost";

    // Sign-in and sessions
    public const string SignInLinkSent = "signin.link_sent";
    public const string SessionStarted = "session.started";
    public const string SessionRefreshed = "session.refreshed";
    public const string SessionEnded = "session.ended";
    public const string SessionsRevoked = "user.sessions.revoked";
    public const string LoginFailed = "login.failed";

    // API tokens
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";
    public const string TokenRefused = "token.refused";

    // Users
    public const string UserInvited = "user.invited";
    public const string UserInvitationResent = "user.invitation.resent";
    public const string UserUpdated = "user.updated";
    public const string UserRoleChanged = "user.role.changed";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string UserDeleted = "user.deleted";
    public const string UserProvisioned = "user.provisioned";

    // Teams
    public const string TeamCreated = "team.created";
    public const string TeamUpdated = "team.updated";
    public const string TeamDeleted = "team.deleted";
    public const string TeamMemberAdded = "team.member.added";
    public const string TeamMemberRemoved = "team.member.removed";
    public const string TeamProductGranted = "team.product.granted";
    public const string TeamProductRevoked = "team.product.revoked";

    // Products and orgs
    public const string ProductCreated = "product.created";
    public const string ProductUpdated = "product.updated";
    public const string ProductDeleted = "product.deleted";
    public const string ProductApprovalUpdated = "product.approval_updated";
    public const string OrgCreated = "org.created";
    public const string OrgUpdated = "org.updated";
    public const string OrgDeleted = "org.deleted";

    // Configuration
    public const string SettingsChanged = "settings.changed";
    public const string SsoProviderCreated = "sso_provider.created";
    public const string SsoProviderUpdated = "sso_provider.updated";
    public const string SsoProviderDeleted = "sso_provider.deleted";
    public const string ScimTokenIssued = "scim.token.issued";
    public const string ScimTokenRevoked = "scim.token.revoked";
    public const string ConfigImported = "config.imported";

    // Deployment quotas
    public const string QuotaUpdated = "quota.updated";
    public const string QuotaExceeded = "quota.exceeded";

    // LLM credits and usage
    public const string LlmRequestDenied = "llm.request.denied";
    public const string LlmQuotaExceeded = "llm.quota.exceeded";
    public const string LlmReservationCreated = "llm.reservation.created";
    public const string LlmReservationSettled = "llm.reservation.settled";
    public const string LlmReservationReleased = "llm.reservation.released";
    public const string LlmUsageRecorded = "llm.usage.recorded";
    public const string LlmCreditsThresholdCrossed = "llm.credits.threshold_crossed";
    public const string LlmQuotasChanged = "llm.quotas.changed";
    public const string LlmUserQuotaSet = "llm.user_quota.set";
    public const string LlmUserQuotaCleared = "llm.user_quota.cleared";

    // Delivery sinks
    public const string DeliverySinkCreated = "delivery.sink.created";
    public const string DeliverySinkUpdated = "delivery.sink.updated";
    public const string DeliverySinkDeleted = "delivery.sink.deleted";
    public const string DeliverySinkTested = "delivery.sink.tested";

    /// <summary>
    /// The action of the synthetic event a sink test sends; never written to the trail (the test itself is
    /// <see cref="DeliverySinkTested"/>).
    /// </summary>
    public const string DeliveryTest = "delivery.test";

    // Request policy
    public const string IpDenied = "ip.denied";

    // Device authorization (RFC 8628)
    public const string DeviceAuthorizationRequested = "device.requested";
    public const string DeviceApproved = "device.approved";
    public const string DeviceDenied = "device.denied";
    public const string DeviceUserCodeRejected = "device.user_code.rejected";
    public const string DeviceRateLimited = "device.rate_limited";
}

/// <summary>The audit trail's resource types.</summary>
public static class AuditResources
{
    public const string Agent = "agent";
    public const string AgentCredential = "agent_credential";
    public const string Deployment = "deployment";
    public const string Session = "session";
    public const string User = "user";
    public const string Token = "token";
    public const string Team = "team";
    public const string Product = "product";
    public const string Org = "org";
    public const string Settings = "settings";
    public const string SsoProvider = "sso_provider";
    public const string ScimToken = "scim_token";
    public const string Config = "config";
    public const string Device = "device_authorization";
    public const string Request = "request";
    public const string DeploymentQuota = "deployment_quota";
    public const string TenantQuota = "tenant_quota";
    public const string LlmReservation = "llm_reservation";
    public const string LlmUsage = "llm_usage";
    public const string DeliverySink = "delivery_sink";
}
