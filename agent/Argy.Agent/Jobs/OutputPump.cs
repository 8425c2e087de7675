using System.Buffers;
using Argy.Protocol.V1;

namespace Argy.Agent.Jobs;

/// <summary>Copies one of a process's output pipes into LogChunks, one chunk per read, masking secrets on the way.</summary>
internal static class OutputPump
{
    public const int ReadBufferBytes = 64 * 1024;

    public static async Task PumpAsync(
        Stream source, OutputStream stream, SecretMasker masker, JobLogWriter log, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
        var masked = new ArrayBufferWriter<byte>(ReadBufferBytes);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, ReadBufferBytes), cancellationToken)) > 0)
            {
                masked.ResetWrittenCount();
                masker.Mask(buffer.AsSpan(0, read), masked);
                await log.WriteAsync(stream, masked.WrittenMemory, cancellationToken);
            }

            masked.ResetWrittenCount();
            masker.Flush(masked);
            await log.WriteAsync(stream, masked.WrittenMemory, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
