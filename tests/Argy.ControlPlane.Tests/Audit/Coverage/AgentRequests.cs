using Argy.ControlPlane.Tests.Support;
using Argy.Protocol;
using Argy.Protocol.Signing;

namespace Argy.ControlPlane.Tests.Audit.Coverage;

/// <summary>Requests an agent makes with its own credential.</summary>
public static class AgentRequests
{
    public static HttpRequestMessage Rotate(TestControlPlane controlPlane, EnrolledAgent agent)
    {
        var body = "{}"u8.ToArray();
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(controlPlane.HttpUrl, $"/api/v1/agents/{agent.AgentId}/credentials/rotate"))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (agent.AuthMode == "hmac")
        {
            HttpRequestSigner.Sign(request, agent.Key, agent.TenantId, ProtocolHeaders.AgentId, agent.AgentId, body, controlPlane.Time);
        }
        else
        {
            request.Headers.TryAddWithoutValidation("authorization", "ApiKey " + agent.Credential);
            request.Headers.Add(ProtocolHeaders.AgentId, agent.AgentId);
            request.Headers.Add(ProtocolHeaders.TenantId, agent.TenantId);
        }

        return request;
    }
}
