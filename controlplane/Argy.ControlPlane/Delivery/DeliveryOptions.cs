using Microsoft.Extensions.Options;

namespace Argy.ControlPlane.Delivery;

/// <summary>How sinks are driven: <c>Argy:Delivery</c>.</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Argy:Delivery";

    /// <summary>The first retry delay after a failed delivery; it doubles per failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often sinks look for records written by another process (records written here wake them at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one HTTP delivery may take before it counts as failed.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many audit records a sink reads per round.</summary>
    public int BatchSize { get; set; } = 100;
}

public sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        var failures = new List<string>();
        if (options.InitialBackoff < TimeSpan.FromMilliseconds(10) || options.InitialBackoff > TimeSpan.FromHours(1))
        {
            failures.Add("Argy:Delivery:InitialBackoff must be between 10 ms and 1 hour.");
        }

        if (options.MaxBackoff < options.InitialBackoff || options.MaxBackoff > TimeSpan.FromHours(24))
        {
            failures.Add("Argy:Delivery:MaxBackoff must be at least InitialBackoff and at most 24 hours.");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(10) || options.PollInterval > TimeSpan.FromMinutes(10))
        {
            failures.Add("Argy:Delivery:PollInterval must be between 10 ms and 10 minutes.");
        }

        if (options.RequestTimeout < TimeSpan.FromMilliseconds(100) || options.RequestTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add("Argy:Delivery:RequestTimeout must be between 100 ms and 5 minutes.");
        }

        if (options.BatchSize is < 1 or > 10_000)
        {
            failures.Add("Argy:Delivery:BatchSize must be between 1 and 10000.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
