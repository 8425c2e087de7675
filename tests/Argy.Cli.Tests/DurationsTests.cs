using Argy.Cli.Common;

namespace Argy.Cli.Tests;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("30m", 1800)]
    [InlineData("90s", 90)]
    [InlineData("1h", 3600)]
    [InlineData("45", 45)]
    [InlineData("1h30m", 5400)]
    [InlineData("2M", 120)]
    public void Accepts_seconds_and_unit_suffixes(string text, int seconds)
    {
        Durations.TryParse(text, out var duration).Should().BeTrue();
        duration.Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("0s")]
    [InlineData("-5")]
    [InlineData("5x")]
    [InlineData("m")]
    [InlineData("10m5")]
    [InlineData("1.5h")]
    [InlineData("99999999999")]
    public void Rejects_anything_else(string text) =>
        Durations.TryParse(text, out _).Should().BeFalse();

    [Theory]
    [InlineData(1.23, "1.2s")]
    [InlineData(65, "1m05s")]
    [InlineData(7500, "2h05m")]
    public void Formats_elapsed_time_briefly(double seconds, string expected) =>
        Durations.Format(TimeSpan.FromSeconds(seconds)).Should().Be(expected);
}
