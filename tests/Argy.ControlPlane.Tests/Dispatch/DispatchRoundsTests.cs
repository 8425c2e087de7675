using Argy.ControlPlane.Dispatch;

namespace Argy.ControlPlane.Tests.Dispatch;

/// <summary>Coalesced dispatch requests: one caller runs rounds; a request made at any moment is followed by a round.</summary>
public sealed class DispatchRoundsTests
{
    [Fact]
    public async Task Every_request_is_followed_by_a_round_that_starts_after_it()
    {
        var rounds = new DispatchRounds();
        long requested = 0;
        long coveredUpTo = 0;
        var roundsRun = 0;
        var concurrentRunners = 0;
        var maxConcurrentRunners = 0;

        void Request()
        {
            Interlocked.Increment(ref requested);
            if (!rounds.Enter())
            {
                return;
            }

            do
            {
                var running = Interlocked.Increment(ref concurrentRunners);
                InterlockedMax(ref maxConcurrentRunners, running);
                // A round sees every request made before it started.
                var seen = Interlocked.Read(ref requested);
                Thread.SpinWait(200);
                InterlockedMax(ref coveredUpTo, seen);
                Interlocked.Increment(ref roundsRun);
                Interlocked.Decrement(ref concurrentRunners);
            }
            while (rounds.Again());
        }

        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 5000; i++)
            {
                Request();
            }
        }));
        await Task.WhenAll(callers);

        coveredUpTo.Should().Be(requested, "the last request was seen by a round");
        maxConcurrentRunners.Should().Be(1, "rounds of one tenant never run side by side");
        roundsRun.Should().BeLessThanOrEqualTo((int)requested, "a request asks for one round at most");
    }

    [Fact]
    public void After_a_failed_round_the_next_request_runs_again()
    {
        var rounds = new DispatchRounds();
        rounds.Enter().Should().BeTrue();
        rounds.Enter().Should().BeFalse("a round is running");
        rounds.Abandon();

        rounds.Enter().Should().BeTrue("the failed runner let go");
        rounds.Again().Should().BeFalse();
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while ((current = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
