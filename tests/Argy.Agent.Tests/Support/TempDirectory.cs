namespace Argy.Agent.Tests.Support;

internal sealed class TempDirectory : IDisposable
{
    // Jobs run as another user (uid 1001) and must be able to pass through to their workspace, whatever the umask.
    private const UnixFileMode Traversable =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public TempDirectory()
    {
        var parent = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "argy-agent-tests");
        Path = System.IO.Path.Combine(parent, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        File.SetUnixFileMode(parent, Traversable);
        File.SetUnixFileMode(Path, Traversable);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
