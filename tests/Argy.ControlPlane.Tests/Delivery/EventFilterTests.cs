using Argy.ControlPlane.Delivery;

namespace Argy.ControlPlane.Tests.Delivery;

public sealed class EventFilterTests
{
    [Fact]
    public void Exact_names_and_prefixes_match_and_nothing_else()
    {
        var filter = new EventFilter(["deployment.*", "user.created"]);

        filter.Matches("deployment.failed").Should().BeTrue();
        filter.Matches("deployment.approval.granted").Should().BeTrue();
        filter.Matches("user.created").Should().BeTrue();
        filter.Matches("user.created.extra").Should().BeFalse();
        filter.Matches("deploymentx.failed").Should().BeFalse();
        filter.Matches("deployment").Should().BeFalse();
        filter.Matches("agent.revoked").Should().BeFalse();
    }

    [Fact]
    public void An_empty_filter_or_a_star_matches_everything()
    {
        new EventFilter([]).Matches("anything.at_all").Should().BeTrue();
        new EventFilter(["*"]).Matches("agent.revoked").Should().BeTrue();
    }

    [Theory]
    [InlineData("deployment.failed", true)]
    [InlineData("deployment.*", true)]
    [InlineData("llm.credits.threshold_crossed", true)]
    [InlineData("*", true)]
    [InlineData("", false)]
    [InlineData("Deployment.Failed", false)]
    [InlineData("deployment.", false)]
    [InlineData("*.failed", false)]
    [InlineData("deployment failed", false)]
    [InlineData("deployment.*.x", false)]
    public void Entries_are_validated(string entry, bool valid) => EventFilter.IsValidEntry(entry).Should().Be(valid);
}
