using System.Buffers;
using System.Security.Cryptography;
using Argy.Protocol.V1;
using Google.Protobuf;

namespace Argy.Protocol.Signing;

/// <summary>
/// The "body" of a message on the agent stream: its protobuf bytes exactly as sent, minus every entry of the
/// signature field (15). Defining it on the wire bytes, not on a re-serialization, keeps it independent of any
/// protobuf library's field ordering and of fields one side does not know yet.
/// </summary>
public static class AgentMessageBody
{
    private const int VarintType = 0;
    private const int Fixed64Type = 1;
    private const int LengthDelimitedType = 2;
    private const int Fixed32Type = 5;

    [ThreadStatic]
    private static IncrementalHash? _incremental;

    /// <summary>
    /// Signer side: the digest of the message serialized without its signature. A serializer writes fields in
    /// number order, so the signature (15) lands after these bytes and the receiver's digest matches.
    /// </summary>
    public static void ComputeDigest(AgentMessage message, Span<byte> digest)
    {
        var signature = message.Signature;
        message.Signature = null;
        byte[]? rented = null;
        try
        {
            var size = message.CalculateSize();
            rented = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
            message.WriteTo(rented.AsSpan(0, size));
            SHA256.HashData(rented.AsSpan(0, size), digest);
        }
        finally
        {
            message.Signature = signature;
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Receiver side: the digest of the received bytes without field 15. False when the top level of the
    /// message is not well-formed protobuf (the parser refuses such a message anyway).
    /// </summary>
    public static bool TryComputeWireDigest(ReadOnlySequence<byte> wire, Span<byte> digest, out bool hasSignature)
    {
        if (wire.IsSingleSegment)
        {
            return TryComputeWireDigest(wire.FirstSpan, digest, out hasSignature);
        }

        var length = checked((int)wire.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            wire.CopyTo(rented);
            return TryComputeWireDigest(rented.AsSpan(0, length), digest, out hasSignature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static bool TryComputeWireDigest(ReadOnlySpan<byte> wire, Span<byte> digest, out bool hasSignature)
    {
        // First pass: validate the top level and find where the signature field is. A signer puts it last, so
        // the body is usually one contiguous prefix and takes a one-shot hash.
        hasSignature = false;
        var firstSignature = -1;
        var fieldAfterSignature = false;
        var position = 0;
        while (position < wire.Length)
        {
            var fieldStart = position;
            if (!TryReadField(wire, ref position, out var isSignature))
            {
                return false;
            }

            if (isSignature)
            {
                hasSignature = true;
                firstSignature = firstSignature < 0 ? fieldStart : firstSignature;
            }
            else if (firstSignature >= 0)
            {
                fieldAfterSignature = true;
            }
        }

        if (!fieldAfterSignature)
        {
            SHA256.HashData(firstSignature < 0 ? wire : wire[..firstSignature], digest);
            return true;
        }

        // Another encoder may interleave the fields: hash every range that is not the signature field.
        var hash = _incremental ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var kept = 0;
        position = 0;
        while (position < wire.Length)
        {
            var fieldStart = position;
            TryReadField(wire, ref position, out var isSignature);
            if (isSignature)
            {
                hash.AppendData(wire[kept..fieldStart]);
                kept = position;
            }
        }

        hash.AppendData(wire[kept..]);
        return hash.TryGetHashAndReset(digest, out _);
    }

    private static bool TryReadField(ReadOnlySpan<byte> wire, ref int position, out bool isSignature)
    {
        isSignature = false;
        if (!TryReadVarint(wire, ref position, out var tag) || (tag >> 3) is 0UL or > (ulong)int.MaxValue || !TrySkip(wire, ref position, (int)(tag & 7)))
        {
            return false;
        }

        isSignature = (int)(tag >> 3) == AgentMessage.SignatureFieldNumber;
        return true;
    }

    private static bool TrySkip(ReadOnlySpan<byte> wire, ref int position, int wireType)
    {
        switch (wireType)
        {
            case VarintType:
                return TryReadVarint(wire, ref position, out _);
            case Fixed64Type:
                return Advance(wire, ref position, 8);
            case Fixed32Type:
                return Advance(wire, ref position, 4);
            case LengthDelimitedType:
                return TryReadVarint(wire, ref position, out var length) && length <= int.MaxValue && Advance(wire, ref position, (long)length);
            default:
                // Groups (3, 4) are not used by this protocol; anything else is not protobuf.
                return false;
        }
    }

    private static bool Advance(ReadOnlySpan<byte> wire, ref int position, long count)
    {
        if (count > wire.Length - position)
        {
            return false;
        }

        position += (int)count;
        return true;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> wire, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && position < wire.Length; shift += 7)
        {
            var b = wire[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
