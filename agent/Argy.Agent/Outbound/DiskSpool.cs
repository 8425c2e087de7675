using Argy.Agent.Jobs;
using Argy.Protocol.V1;
using Google.Protobuf;

namespace Argy.Agent.Outbound;

/// <summary>
/// The durable copy of what the control plane has not acknowledged yet: one append-only file per run under
/// <c>&lt;stateDir&gt;/spool/</c>, each record a length-prefixed AgentMessage. It lets a result and the last
/// output of a run survive an agent restart; the file goes away once the run's result is acknowledged.
/// A torn last record (the agent died mid-write) is ignored when loading.
/// </summary>
internal sealed class DiskSpool
{
    private readonly string _directory;
    private long _bytesRewritten;

    public DiskSpool(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Appends a message; a result is flushed to the disk before this returns.</summary>
    public long Append(AgentMessage message)
    {
        var runId = RunOf(message);
        if (!RunId.IsValid(runId))
        {
            return 0;
        }

        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using var file = new FileStream(PathOf(runId!), options);
        var start = file.Position;
        message.WriteDelimitedTo(file);
        file.Flush(flushToDisk: message.PayloadCase == AgentMessage.PayloadOneofCase.JobFinished);
        return file.Position - start;
    }

    /// <summary>Bytes written by compactions since start: what keeping the spool small has cost.</summary>
    public long BytesRewritten => Interlocked.Read(ref _bytesRewritten);

    /// <summary>Replaces a run's file with just <paramref name="remaining"/> (after many of its chunks were acknowledged).</summary>
    public long Rewrite(string runId, IEnumerable<AgentMessage> remaining)
    {
        var path = PathOf(runId);
        var temporary = path + ".tmp";
        long size;
        using (var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            foreach (var message in remaining)
            {
                message.WriteDelimitedTo(file);
            }

            file.Flush(flushToDisk: true);
            size = file.Length;
        }

        File.Move(temporary, path, overwrite: true);
        Interlocked.Add(ref _bytesRewritten, size);
        return size;
    }

    public void Delete(string runId) => File.Delete(PathOf(runId));

    /// <summary>Everything spooled by a previous run of the agent, oldest first within each run.</summary>
    public IReadOnlyList<AgentMessage> Load()
    {
        var messages = new List<AgentMessage>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*.spool").Order(StringComparer.Ordinal))
        {
            using var file = File.OpenRead(path);
            while (file.Position < file.Length)
            {
                try
                {
                    messages.Add(AgentMessage.Parser.ParseDelimitedFrom(file));
                }
                catch (InvalidProtocolBufferException)
                {
                    break;
                }
            }
        }

        return messages;
    }

    public static string? RunOf(AgentMessage message) => message.LogChunk?.RunId ?? message.JobFinished?.RunId;

    private string PathOf(string runId) => Path.Combine(_directory, runId + ".spool");
}
