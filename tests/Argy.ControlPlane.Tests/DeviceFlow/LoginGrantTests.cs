using Argy.ControlPlane.Auth;
using Argy.ControlPlane.Tenancy;
using Argy.ControlPlane.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Argy.ControlPlane.Tests.DeviceFlow;

public sealed class LoginGrantTests
{
    [Fact]
    public async Task A_login_approved_by_a_product_limited_token_is_limited_to_the_same_products()
    {
        await using var controlPlane = await TestControlPlane.StartAsync();
        var tokens = controlPlane.Services.GetRequiredService<ApiTokenStore>();
        var scope = TenantScope.Of(controlPlane.TenantId);
        var (approverRow, approverToken) = tokens.Create(scope, "limited", Roles.User, null, new ApiTokenGrant(ProductIds: ["prd_web"]));
        var device = new OAuthClient(controlPlane.Http());
        var authorization = await device.AuthorizeAsync("argy-cli");

        await TestControlPlane.Json(await OAuthClient.ApproveAsync(controlPlane.Http(approverToken), (string)authorization["user_code"]!), 200);
        var (status, token) = await device.PollAsync(authorization, "argy-cli");

        status.Should().Be(200, token.ToJsonString());
        var issued = tokens.Get(scope, (string)token["token_id"]!)!;
        issued.Role.Should().Be(Roles.User);
        issued.Products.Should().Be("[\"prd_web\"]");
        issued.CreatedBy.Should().Be(approverRow.Id);
        issued.ExpiresAt.Should().Be(controlPlane.Time.GetUtcNow().AddHours(12).ToUnixTimeMilliseconds());
    }
}
