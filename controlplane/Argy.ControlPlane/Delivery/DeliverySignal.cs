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

    /// <summary>Waits for a wake or for <paramref name="timeout"/> on <paramref name="time"/>; true when woken.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (_wakes.Reader.TryRead(out _))
        {
            return true;
        }

        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wake = _wakes.Reader.WaitToReadAsync(either.Token).AsTask();
        var delay = Task.Delay(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, time, either.Token);
        var first = await Task.WhenAny(wake, delay);
        await either.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        return first == wake && wake.IsCompletedSuccessfully && _wakes.Reader.TryRead(out _);
    }
}
