using Argy.ControlPlane.DeviceFlow;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Argy.ControlPlane.Tests.DeviceFlow;

public sealed class UserCodeTests
{
    [Theory]
    [InlineData("BCDF-GHJK", "BCDFGHJK")]
    [InlineData("bcdf-ghjk", "BCDFGHJK")]
    [InlineData("bcdfghjk", "BCDFGHJK")]
    [InlineData(" BcDf GhJk ", "BCDFGHJK")]
    [InlineData("B-C-D-F-G-H-J-K", "BCDFGHJK")]
    public void Codes_are_read_ignoring_case_dashes_and_spaces(string typed, string normalized)
    {
        UserCode.TryNormalize(typed, out var code).Should().BeTrue();
        code.Should().Be(normalized);
    }

    [Theory]
    [InlineData("BCDF-GHJ")]      // too short
    [InlineData("BCDF-GHJKL")]    // too long
    [InlineData("ABCD-EFGH")]     // vowels are not in the alphabet
    [InlineData("BCD1-GHJK")]     // nor digits
    [InlineData("")]
    [InlineData(null)]
    public void Malformed_codes_are_refused(string? typed) => UserCode.TryNormalize(typed, out _).Should().BeFalse();

    [Fact]
    public void Generated_codes_use_only_the_rfc_alphabet_and_every_letter_of_it()
    {
        var codes = Enumerable.Range(0, 2000).Select(_ => UserCode.Generate()).ToList();

        codes.Should().OnlyContain(c => c.Length == 8 && c.All(ch => UserCode.Alphabet.Contains(ch, StringComparison.Ordinal)));
        codes.SelectMany(c => c).Distinct().Should().HaveCount(20);
        UserCode.Format("BCDFGHJK").Should().Be("BCDF-GHJK");
    }

    [Fact]
    public void The_documented_probability_follows_from_the_default_limits()
    {
        var options = new DeviceFlowOptions();

        options.GuessProbabilityPerCode.Should().BeApproximately(10 / Math.Pow(20, 8), 1e-15);
        Math.Log2(options.GuessProbabilityPerCode).Should().BeApproximately(-31.25, 0.01);
        Math.Log2(options.GuessProbabilityPerCode * options.MaxPending).Should().BeApproximately(-25.6, 0.05);
    }
}

public sealed class WrongCodeLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    private WrongCodeLimiter Limiter(int perApprover = 2, int perIp = 3, int global = 4) => new(_time, Options.Create(new DeviceFlowOptions
    {
        WrongCodesPerApprover = perApprover,
        WrongCodesPerIp = perIp,
        WrongCodesGlobal = global,
        WrongCodeWindow = TimeSpan.FromMinutes(10),
    }));

    [Fact]
    public void The_window_slides_instead_of_resetting()
    {
        var limiter = Limiter();
        limiter.TryAcquire("a", "ip", out _, out _).Should().BeTrue();
        _time.Advance(TimeSpan.FromMinutes(6));
        limiter.TryAcquire("a", "ip", out _, out _).Should().BeTrue();

        limiter.TryAcquire("a", "ip", out _, out var retryAfter).Should().BeFalse();
        retryAfter.Should().Be(TimeSpan.FromMinutes(4));
        _time.Advance(TimeSpan.FromMinutes(4));
        limiter.TryAcquire("a", "ip", out _, out _).Should().BeTrue();
        limiter.TryAcquire("a", "ip", out _, out retryAfter).Should().BeFalse();
        retryAfter.Should().Be(TimeSpan.FromMinutes(6));
    }

    [Fact]
    public void A_forgiven_attempt_frees_its_slots()
    {
        var limiter = Limiter(perApprover: 1);
        limiter.TryAcquire("a", "ip", out var attempt, out _).Should().BeTrue();
        limiter.Forgive(attempt);

        limiter.TryAcquire("a", "ip", out _, out _).Should().BeTrue();
    }

    [Fact]
    public void Each_limit_applies_on_its_own()
    {
        var limiter = Limiter(perApprover: 10, perIp: 2, global: 3);
        limiter.TryAcquire("a", "ip1", out _, out _).Should().BeTrue();
        limiter.TryAcquire("b", "ip1", out _, out _).Should().BeTrue();
        limiter.TryAcquire("c", "ip1", out _, out _).Should().BeFalse("ip1 used its 2");
        limiter.TryAcquire("c", "ip2", out _, out _).Should().BeTrue();
        limiter.TryAcquire("d", "ip3", out _, out _).Should().BeFalse("the global 3 are used");
    }
}
