using Argy.Agent.Connection;

namespace Argy.Agent.Tests.Connection;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Cap_doubles_from_one_second_up_to_sixty()
    {
        Enumerable.Range(1, 9).Select(ReconnectBackoff.CapFor).Select(t => t.TotalSeconds)
            .Should().Equal(1, 2, 4, 8, 16, 32, 60, 60, 60);
        ReconnectBackoff.CapFor(10_000).Should().Be(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void Delay_is_random_between_zero_and_the_cap()
    {
        var backoff = new ReconnectBackoff(new Random(42));

        var delays = Enumerable.Range(0, 200).Select(_ => backoff.DelayFor(4)).ToList();

        delays.Should().OnlyContain(d => d >= TimeSpan.Zero && d <= TimeSpan.FromSeconds(8));
        delays.Distinct().Should().HaveCountGreaterThan(100, "full jitter spreads reconnects out");
    }

    [Fact]
    public void Only_the_first_failures_and_every_tenth_are_warnings()
    {
        Enumerable.Range(1, 30).Where(ReconnectBackoff.IsWorthAWarning).Should().Equal(1, 2, 3, 4, 5, 10, 20, 30);
    }
}
