namespace Argy.Cli.Api;

internal sealed record CreateAgentRequest
{
    public string Name { get; init; } = "";

    public string? Description { get; init; }

    public string[] Tags { get; init; } = [];
}

internal sealed record CreatedAgent
{
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    public string? Description { get; init; }

    public string[] Tags { get; init; } = [];

    public string EnrollmentToken { get; init; } = "";

    public DateTimeOffset? EnrollmentTokenExpiresAt { get; init; }
}

internal sealed record Agent
{
    public string Id { get; init; } = "";

    public string Name { get; init; } = "";

    public string? Description { get; init; }

    public string[] Tags { get; init; } = [];

    public string Status { get; init; } = "";

    public DateTimeOffset? LastActivityAt { get; init; }

    public string? Version { get; init; }

    public string? Hostname { get; init; }

    public string? Os { get; init; }

    public string? Arch { get; init; }

    public int Capacity { get; init; }

    public int RunningJobs { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }
}
