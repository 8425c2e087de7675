namespace Argy.ControlPlane.DeviceFlow;

/// <summary>
/// Limits how many user codes can be tried: per approver (API token), per client IP and for everyone together,
/// each over a sliding window. An attempt takes a slot in all three before the code is looked up; a correct
/// code gives its slots back, so only wrong (or malformed) codes count. Because an attempt is refused when any
/// window is full, the global window holds every slot there is, which bounds both the guesses and the memory.
/// </summary>
public sealed class WrongCodeLimiter(TimeProvider time, Microsoft.Extensions.Options.IOptions<DeviceFlowOptions> options)
{
    private const string Global = "*";

    private readonly Dictionary<string, List<long>> _attempts = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>An attempt holding slots; give it back with <see cref="Forgive"/> when the code was right.</summary>
    public sealed record Attempt(string Approver, string Ip, long At);

    /// <summary>Takes a slot in each window, or says how long until one frees up.</summary>
    public bool TryAcquire(string approver, string ip, out Attempt attempt, out TimeSpan retryAfter)
    {
        var settings = options.Value;
        var window = (long)settings.WrongCodeWindow.TotalMilliseconds;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        attempt = new Attempt("approver:" + approver, "ip:" + ip, now);
        lock (_lock)
        {
            var wait = Math.Max(
                Math.Max(WaitFor(attempt.Approver, settings.WrongCodesPerApprover, now, window), WaitFor(attempt.Ip, settings.WrongCodesPerIp, now, window)),
                WaitFor(Global, settings.WrongCodesGlobal, now, window));
            if (wait > 0)
            {
                retryAfter = TimeSpan.FromMilliseconds(wait);
                return false;
            }

            Slots(attempt.Approver).Add(now);
            Slots(attempt.Ip).Add(now);
            Slots(Global).Add(now);
            retryAfter = TimeSpan.Zero;
            return true;
        }
    }

    /// <summary>The code was right: this attempt does not count against anyone.</summary>
    public void Forgive(Attempt attempt)
    {
        lock (_lock)
        {
            Release(attempt.Approver, attempt.At);
            Release(attempt.Ip, attempt.At);
            Release(Global, attempt.At);
        }
    }

    private long WaitFor(string key, int limit, long now, long window)
    {
        if (!_attempts.TryGetValue(key, out var slots))
        {
            return 0;
        }

        slots.RemoveAll(at => at <= now - window);
        if (slots.Count == 0)
        {
            _attempts.Remove(key);
            return 0;
        }

        return slots.Count < limit ? 0 : slots[slots.Count - limit] + window - now;
    }

    private List<long> Slots(string key)
    {
        if (!_attempts.TryGetValue(key, out var slots))
        {
            _attempts[key] = slots = [];
        }

        return slots;
    }

    private void Release(string key, long at)
    {
        if (_attempts.TryGetValue(key, out var slots))
        {
            slots.Remove(at);
            if (slots.Count == 0)
            {
                _attempts.Remove(key);
            }
        }
    }
}
