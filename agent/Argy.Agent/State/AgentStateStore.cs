using System.Text.Json;

namespace Argy.Agent.State;

/// <summary>Reads and writes <c>agent.json</c>, which holds the agent's credential.</summary>
internal sealed class AgentStateStore(string stateDirectory)
{
    public const string FileName = "agent.json";

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnlyFile | UnixFileMode.UserExecute;
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public string Directory { get; } = Path.GetFullPath(stateDirectory);

    public string FilePath => Path.Combine(Directory, FileName);

    public bool Exists => File.Exists(FilePath);

    /// <summary>Creates the state directory (0700) so enrollment fails before the one-time token is spent.</summary>
    public void EnsureWritable()
    {
        try
        {
            CreateDirectory();
            var probe = Path.Combine(Directory, $".probe-{Guid.NewGuid():N}");
            using (new FileStream(probe, NewOwnerOnlyFile()))
            {
            }

            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AgentStateException($"state directory {Directory} is not writable: {ex.Message}", ex);
        }
    }

    public async Task SaveAsync(AgentState state, CancellationToken cancellationToken)
    {
        CreateDirectory();

        // Written next to the target and renamed over it, so readers see the old or the new file, never half of one;
        // the temp file is 0600 from its creation, so the credential is never readable by others, not even briefly.
        var temporary = Path.Combine(Directory, $".{FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, NewOwnerOnlyFile()))
            {
                await JsonSerializer.SerializeAsync(stream, state, AgentStateJsonContext.Default.AgentState, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            FileOwnership.MatchDirectoryOwner(temporary, Directory);
            File.Move(temporary, FilePath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>The saved state, or null when the agent has not been enrolled.</summary>
    public async Task<AgentState?> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.Read);
            var state = await JsonSerializer.DeserializeAsync(stream, AgentStateJsonContext.Default.AgentState, cancellationToken);
            return state is { AgentId.Length: > 0, TenantId.Length: > 0, Credential.Length: > 0 }
                ? state
                : throw new AgentStateException($"state file {FilePath} is incomplete; enroll again");
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException ex)
        {
            throw new AgentStateException($"state file {FilePath} is not valid: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new AgentStateException($"cannot read state file {FilePath}: permission denied", ex);
        }
    }

    /// <summary>When the state file was last replaced, or null when there is none (to notice a rotation by another process).</summary>
    public DateTime? LastWriteTimeUtc() => File.Exists(FilePath) ? File.GetLastWriteTimeUtc(FilePath) : null;

    /// <summary>True when group or others can access the file, which they should not with a credential in it.</summary>
    public bool IsTooOpen() =>
        !OperatingSystem.IsWindows() && File.Exists(FilePath) && (File.GetUnixFileMode(FilePath) & GroupOrOther) != 0;

    private void CreateDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory, OwnerOnlyDirectory);
        }
    }

    private static FileStreamOptions NewOwnerOnlyFile()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        return options;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Only a leftover temp file; the error that matters is already on its way up.
        }
    }
}
