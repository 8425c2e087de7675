namespace Argy.Agent.Connection;

/// <summary>
/// Exponential backoff with full jitter (a uniformly random delay below the exponential cap), so a control plane
/// restart is not followed by every agent reconnecting in the same instant.
/// </summary>
internal sealed class ReconnectBackoff(Random random)
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Maximum = TimeSpan.FromSeconds(60);

    /// <summary>A session that lasted this long was healthy: the next failure starts the backoff over.</summary>
    public static readonly TimeSpan StableSession = TimeSpan.FromSeconds(60);

    public ReconnectBackoff()
        : this(Random.Shared)
    {
    }

    /// <summary>The cap for the given consecutive failure (1-based): 1 s, 2 s, 4 s ... 60 s.</summary>
    public static TimeSpan CapFor(int failure)
    {
        var exponent = Math.Clamp(failure - 1, 0, 30);
        var seconds = Math.Min(Maximum.TotalSeconds, Initial.TotalSeconds * Math.Pow(2, exponent));
        return TimeSpan.FromSeconds(seconds);
    }

    public TimeSpan DelayFor(int failure) => CapFor(failure) * random.NextDouble();

    /// <summary>The first few failures are warnings; after that only every tenth is, so an outage does not flood the log.</summary>
    public static bool IsWorthAWarning(int failure) => failure <= 5 || failure % 10 == 0;
}
