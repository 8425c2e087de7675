namespace Argy.Cli.Api;

/// <summary>A decoded answer plus its body verbatim, which --json prints untouched for scripts.</summary>
internal sealed record ApiResult<T>(T Value, string Json);
