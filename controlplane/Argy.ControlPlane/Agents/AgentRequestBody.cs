using Argy.ControlPlane.Problems;

namespace Argy.ControlPlane.Agents;

/// <summary>
/// Reads the raw body of a request an agent signs: the signature covers the bytes, so they are read before
/// (and instead of) any JSON binding. Bounded, because nothing an agent posts is large.
/// </summary>
public static class AgentRequestBody
{
    public const int MaxBytes = 64 * 1024;

    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            throw new ApiProblemException(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The request body is limited to {MaxBytes} bytes.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw new ApiProblemException(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The request body is limited to {MaxBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
