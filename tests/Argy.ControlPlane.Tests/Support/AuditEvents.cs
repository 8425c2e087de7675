using System.Text.Json.Nodes;

namespace Argy.ControlPlane.Tests.Support;

public static class AuditEvents
{
    /// <summary>Waits until the tenant's audit trail has an event of this action (they are written in the background).</summary>
    public static async Task<List<JsonObject>> WaitForAsync(TestControlPlane controlPlane, string action, Func<JsonObject, bool>? match = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var body = await TestControlPlane.Json(await controlPlane.Admin().GetAsync($"/api/v1/audit-events?action={action}"), 200);
            var items = body["items"]!.AsArray().Select(n => n!.AsObject()).Where(e => match?.Invoke(e) ?? true).ToList();
            if (items.Count > 0 || DateTime.UtcNow > deadline)
            {
                return items;
            }

            await Task.Delay(20);
        }
    }
}
