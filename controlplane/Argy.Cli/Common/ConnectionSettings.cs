namespace Argy.Cli.Common;

internal sealed record ConnectionSettings(Uri BaseUrl, string? Token);
