using System.Collections.Concurrent;

namespace Argy.Protocol.Signing;

/// <summary>
/// Remembers nonces for <see cref="Memory"/> so a captured request cannot be played again. The memory must be
/// at least twice the clock skew a verifier accepts: a request stamped at the edge of the future window stays
/// acceptable that long. When full (a flood of distinct valid nonces), it refuses new nonces rather than forget
/// old ones: failing closed keeps the replay guarantee.
/// </summary>
public sealed class NonceCache
{
    private const int SweepEvery = 1024;

    private readonly ConcurrentDictionary<string, long> _seen = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly long _memoryMs;
    private readonly int _capacity;
    private int _insertsSinceSweep;

    public NonceCache(TimeProvider time, TimeSpan memory, int capacity = 1_000_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(memory, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        Memory = memory;
        _memoryMs = (long)memory.TotalMilliseconds;
        _capacity = capacity;
    }

    public TimeSpan Memory { get; }

    public int Count => _seen.Count;

    /// <summary>Records the nonce of a signer; false when that signer already used it within the memory.</summary>
    public bool TryUse(ReadOnlySpan<char> signer, ReadOnlySpan<char> nonce)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (Interlocked.Increment(ref _insertsSinceSweep) >= SweepEvery || _seen.Count >= _capacity)
        {
            Sweep(now);
        }

        if (_seen.Count >= _capacity)
        {
            return false;
        }

        var key = string.Concat(signer, "\n", nonce);
        while (true)
        {
            if (_seen.TryAdd(key, now + _memoryMs))
            {
                return true;
            }

            if (_seen.TryGetValue(key, out var expires))
            {
                if (expires > now)
                {
                    return false;
                }

                if (_seen.TryUpdate(key, now + _memoryMs, expires))
                {
                    return true;
                }
            }
        }
    }

    private void Sweep(long now)
    {
        Volatile.Write(ref _insertsSinceSweep, 0);
        foreach (var entry in _seen)
        {
            if (entry.Value <= now)
            {
                _seen.TryRemove(entry);
            }
        }
    }
}
