using System.Threading.Channels;

namespace Argy.ControlPlane.Delivery;

/// <summary>
/// Wakes the deliverer when an audit record is appended in this process. Wakes coalesce: one pending wake
/// stands for any number of records.
/// </summary>
public sealed class DeliverySignal
{
    private readonly Channel<bool> _wakes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _wakes.Writer.TryWrite(true);

    /// <summary>Completes when a wake is pending, and takes it; a cancelled wait takes nothing.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken) => await _wakes.Reader.ReadAsync(cancellationToken);
}
