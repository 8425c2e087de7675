using System.Text.RegularExpressions;

namespace Argy.Packaging.Tests;

public sealed partial class DockerfileTests
{
    private static readonly string Dockerfile = RepositoryFiles.Read("Dockerfile.agent");

    [Fact]
    public void The_bases_are_build_arguments_and_the_build_is_multi_stage()
    {
        Dockerfile.Should().MatchRegex(@"(?m)^ARG SDK_IMAGE=").And.MatchRegex(@"(?m)^ARG RUNTIME_IMAGE=.*runtime-deps");
        FromLine().Matches(Dockerfile).Select(match => match.Groups[1].Value).Should().Equal("${SDK_IMAGE} AS build", "${RUNTIME_IMAGE}");
        Dockerfile.Should().Contain("COPY --from=build /out/ /opt/argy-agent/");
    }

    [Fact]
    public void The_image_runs_the_agent_as_uid_1001_in_exec_form_with_a_healthcheck_and_labels()
    {
        Dockerfile.Should().MatchRegex(@"(?m)^USER 1001:1001$");
        Dockerfile.Should().MatchRegex(@"(?m)^ENTRYPOINT \[""/opt/argy-agent/argy-agent""\]$");
        Dockerfile.Should().MatchRegex(@"(?m)^CMD \[""run""\]$");
        Dockerfile.Should().MatchRegex(@"(?m)^HEALTHCHECK ");
        foreach (var label in new[] { "title", "description", "version", "revision", "created", "licenses" })
        {
            Dockerfile.Should().Contain($"org.opencontainers.image.{label}=");
        }
    }

    [GeneratedRegex(@"(?m)^FROM (.+)$")]
    private static partial Regex FromLine();
}
