namespace Argy.Cli.Common;

internal static class RelativeTime
{
    public static string Format(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is null)
        {
            return "never";
        }

        var age = now - at.Value;
        // Clock skew between the control plane and this machine can put recent events slightly in the future.
        if (age < TimeSpan.FromSeconds(1))
        {
            return "just now";
        }

        return age switch
        {
            { TotalMinutes: < 1 } => $"{(int)age.TotalSeconds}s ago",
            { TotalHours: < 1 } => $"{(int)age.TotalMinutes}m ago",
            { TotalDays: < 1 } => $"{(int)age.TotalHours}h ago",
            _ => $"{(int)age.TotalDays}d ago",
        };
    }
}
