using System.Globalization;

namespace Argy.Agent.Isolation;

/// <summary>The uid and gid a job's processes have, and that own its workspace.</summary>
internal readonly record struct JobUser(uint Uid, uint Gid)
{
    public bool IsRoot => Uid == 0;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"uid {Uid}, gid {Gid}");
}
