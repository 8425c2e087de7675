namespace Argy.Cli.Api;

/// <summary>RFC 9457 problem details, with the "errors" extension ASP.NET uses for validation.</summary>
internal sealed record ProblemDetails
{
    public string? Type { get; init; }

    public string? Title { get; init; }

    public int? Status { get; init; }

    public string? Detail { get; init; }

    public Dictionary<string, string[]>? Errors { get; init; }
}
