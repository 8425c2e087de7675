using Argy.ControlPlane.Agents;
using Argy.ControlPlane.Auth;

namespace Argy.ControlPlane.Delivery;

public static class DeliveryEndpoints
{
    public static RouteGroupBuilder MapDeliveryEndpoints(this RouteGroupBuilder api)
    {
        var sinks = api.MapGroup("/delivery/sinks").WithTags("Delivery").RequireAuthorization(Permissions.DeliveryManage);

        sinks.MapPost("/", (CreateSinkRequest request, HttpContext context, DeliverySinkService service) =>
            {
                var created = service.Create(context.Caller(), request);
                return TypedResults.Created($"/api/v1/delivery/sinks/{created.Sink.Id}", created);
            })
            .WithSummary("Add a SIEM, notification webhook or email sink; a webhook's signing secret is in this answer only");

        sinks.MapGet("/", (HttpContext context, DeliverySinkService service) =>
                TypedResults.Ok(new ItemsResponse<SinkResponse>(service.List(context.Caller().Scope))))
            .WithSummary("List sinks with their cursor, pending events and last error");

        sinks.MapGet("/{id}", (string id, HttpContext context, DeliverySinkService service) => TypedResults.Ok(service.Get(context.Caller().Scope, id)))
            .WithSummary("Get a sink with its cursor, pending events and last error");

        sinks.MapPatch("/{id}", (string id, UpdateSinkRequest request, HttpContext context, DeliverySinkService service) =>
                TypedResults.Ok(service.Update(context.Caller(), id, request)))
            .WithSummary("Change a sink's name, url, format, events, recipients or enabled state");

        sinks.MapDelete("/{id}", (string id, HttpContext context, DeliverySinkService service) =>
            {
                service.Delete(context.Caller(), id);
                return TypedResults.NoContent();
            })
            .WithSummary("Remove a sink");

        sinks.MapPost("/{id}/test", async (string id, HttpContext context, DeliverySinkService service) =>
                TypedResults.Ok(await service.TestAsync(context.Caller(), id, context.RequestAborted)))
            .WithSummary("Send a signed delivery.test event to the sink now and report what the receiver answered");

        return api;
    }
}
