using System.Buffers;
using System.Text;

namespace Argy.Agent.Jobs;

/// <summary>
/// Replaces secret values with <c>***</c> in one output stream. Output arrives in reads of arbitrary size, so a
/// secret may straddle two reads: bytes that could be the start of a secret are held back until the next read
/// (or the end of the stream) decides. At most the longest secret's length minus one byte is held.
/// </summary>
internal sealed class SecretMasker
{
    private static ReadOnlySpan<byte> Replacement => "***"u8;

    // Longest first, so that where two secrets match at the same position the longer one is masked whole.
    private readonly byte[][] _secrets;
    private readonly bool[] _firstBytes = new bool[256];
    private readonly int _maxLength;
    private byte[] _pending = [];
    private int _pendingLength;

    public SecretMasker(IEnumerable<string> secretValues)
    {
        _secrets = secretValues
            .Where(value => !string.IsNullOrEmpty(value))
            .Select(Encoding.UTF8.GetBytes)
            .DistinctBy(Convert.ToBase64String)
            .OrderByDescending(bytes => bytes.Length)
            .ToArray();
        foreach (var secret in _secrets)
        {
            _firstBytes[secret[0]] = true;
        }

        _maxLength = _secrets.Length == 0 ? 0 : _secrets[0].Length;
    }

    public bool HasSecrets => _secrets.Length > 0;

    /// <summary>Masks <paramref name="input"/> and writes what is safe to emit now.</summary>
    public void Mask(ReadOnlySpan<byte> input, IBufferWriter<byte> output) => Process(input, output, final: false);

    /// <summary>End of stream: masks and writes whatever was held back.</summary>
    public void Flush(IBufferWriter<byte> output) => Process([], output, final: true);

    private void Process(ReadOnlySpan<byte> input, IBufferWriter<byte> output, bool final)
    {
        if (!HasSecrets)
        {
            output.Write(input);
            return;
        }

        byte[]? rented = null;
        try
        {
            var data = input;
            if (_pendingLength > 0)
            {
                rented = ArrayPool<byte>.Shared.Rent(_pendingLength + input.Length);
                _pending.AsSpan(0, _pendingLength).CopyTo(rented);
                input.CopyTo(rented.AsSpan(_pendingLength));
                data = rented.AsSpan(0, _pendingLength + input.Length);
            }

            var emitted = 0;
            var position = 0;
            while (position < data.Length)
            {
                if (!_firstBytes[data[position]])
                {
                    position++;
                    continue;
                }

                var rest = data[position..];
                if (!final && CouldBecomeLongerSecret(rest))
                {
                    break;
                }

                var matched = LongestSecretAt(rest);
                if (matched == 0)
                {
                    position++;
                    continue;
                }

                output.Write(data[emitted..position]);
                output.Write(Replacement);
                position += matched;
                emitted = position;
            }

            output.Write(data[emitted..position]);
            Hold(data[position..]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // The data ends inside what might be a secret: only the next read can tell, so it must not be emitted yet.
    private bool CouldBecomeLongerSecret(ReadOnlySpan<byte> rest)
    {
        if (rest.Length >= _maxLength)
        {
            return false;
        }

        foreach (var secret in _secrets)
        {
            if (secret.Length > rest.Length && secret.AsSpan().StartsWith(rest))
            {
                return true;
            }
        }

        return false;
    }

    private int LongestSecretAt(ReadOnlySpan<byte> rest)
    {
        foreach (var secret in _secrets)
        {
            if (rest.StartsWith(secret))
            {
                return secret.Length;
            }
        }

        return 0;
    }

    private void Hold(ReadOnlySpan<byte> tail)
    {
        if (_pending.Length < _maxLength)
        {
            _pending = new byte[_maxLength];
        }

        tail.CopyTo(_pending);
        _pendingLength = tail.Length;
    }
}
