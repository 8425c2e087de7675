using System.Text;

namespace Argy.Cli.Tests.Infrastructure;

internal sealed record FakeChunk(string Stream, byte[] Data)
{
    public static FakeChunk Out(string text) => new("stdout", Encoding.UTF8.GetBytes(text));

    public static FakeChunk Err(string text) => new("stderr", Encoding.UTF8.GetBytes(text));

    public static FakeChunk System(string text) => new("system", Encoding.UTF8.GetBytes(text));
}

/// <summary>What the fake control plane reports for the single run it hands out.</summary>
internal sealed class FakeRun
{
    public string RunId { get; init; } = "run_0001";

    public List<FakeChunk> Chunks { get; init; } = [];

    public string FinalStatus { get; init; } = "Succeeded";

    public int? ExitCode { get; init; }

    public string? Message { get; init; }

    /// <summary>The first follow request sends this many chunks and then aborts the connection.</summary>
    public int? DropFirstFollowAfter { get; init; }

    /// <summary>Keep the follow stream open after the chunks, as if the job were still running.</summary>
    public bool NeverEnds { get; init; }

    /// <summary>Called once the follow stream has delivered its chunks.</summary>
    public Action? OnChunksDelivered { get; init; }

    /// <summary>When set, the run is submitted as PendingApproval and stays so for this many status reads.</summary>
    public int? PendingReads { get; init; }

    /// <summary>What the approver decided once the run stops pending: "approved" or "rejected".</summary>
    public string Decision { get; init; } = "approved";

    public string DecidedBy { get; init; } = "bob@example.test";

    public string? DecisionComment { get; init; }
}
