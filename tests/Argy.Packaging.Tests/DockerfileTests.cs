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

    [Fact]
    public void The_build_stage_has_what_the_NativeAOT_agent_links_with_and_ships_no_symbols()
    {
        var build = Dockerfile[..Dockerfile.IndexOf("FROM ${RUNTIME_IMAGE}", StringComparison.Ordinal)];

        build.Should().Contain("apt-get install -y --no-install-recommends clang zlib1g-dev");
        build.Should().Contain("rm -f /out/*.pdb /out/*.dbg");
    }

    [Fact]
    public void The_published_agent_is_NativeAOT_by_default_with_the_JIT_executable_as_the_alternative()
    {
        var project = System.Xml.Linq.XDocument.Parse(RepositoryFiles.Read("agent", "Argy.Agent", "Argy.Agent.csproj"));
        var groups = project.Root!.Elements("PropertyGroup").ToList();
        string? Property(string condition, string name) =>
            groups.Where(g => ((string?)g.Attribute("Condition") ?? "") == condition).Select(g => (string?)g.Element(name)).SingleOrDefault(v => v is not null);

        Property("'$(RuntimeIdentifier)' != ''", "ArgyNativeAot").Should().Be("true");
        Property("'$(RuntimeIdentifier)' != '' and '$(ArgyNativeAot)' == 'true'", "PublishAot").Should().Be("true");
        Property("'$(RuntimeIdentifier)' != '' and '$(ArgyNativeAot)' == 'true'", "CopyOutputSymbolsToPublishDirectory").Should().Be("false");
        Property("'$(RuntimeIdentifier)' != '' and '$(ArgyNativeAot)' != 'true'", "PublishSingleFile").Should().Be("true");
        Property("'$(RuntimeIdentifier)' != '' and '$(ArgyNativeAot)' != 'true'", "PublishTrimmed").Should().Be("true");
        Property("'$(RuntimeIdentifier)' != '' and '$(ArgyNativeAot)' != 'true'", "PublishReadyToRun").Should().Be("true");
        // Every build runs the analyzers of what NativeAOT supports, so tests run the code that ships.
        Property("", "IsAotCompatible").Should().Be("true");
        Property("", "EnableConfigurationBindingGenerator").Should().Be("true");
        RepositoryFiles.Read("packaging", "publish.sh").Should().Contain("-p:ArgyNativeAot=\"$native_aot\"");
    }

    [GeneratedRegex(@"(?m)^FROM (.+)$")]
    private static partial Regex FromLine();
}
