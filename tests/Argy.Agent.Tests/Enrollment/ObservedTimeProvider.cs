using Microsoft.Extensions.Time.Testing;

namespace Argy.Agent.Tests.Enrollment;

/// <summary>A fake clock that counts the timers created on it, so a test can wait until the code under test is waiting before moving time.</summary>
internal sealed class ObservedTimeProvider() : FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_767_225_600))
{
    private int _timers;

    public int TimersCreated => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>Waits (in real time) until at least <paramref name="count"/> timers exist.</summary>
    public async Task WaitForTimersAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (TimersCreated < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"only {TimersCreated} timer(s) were created, expected {count}");
            }

            await Task.Delay(5);
        }
    }
}
