namespace Argy.Cli.Api;

/// <summary>The audit trail's export: a body of any size, copied to its destination as it arrives.</summary>
internal sealed partial class ArgyApiClient
{
    /// <summary>Copies the answer of a GET to <paramref name="destination"/> without holding it in memory; returns the bytes copied.</summary>
    public async Task<long> DownloadAsync(string path, Stream destination, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendCoreAsync(request, HttpCompletionOption.ResponseHeadersRead, ct, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[81920];
        long total = 0;
        while (await ReadAsync(body, buffer, ct) is var read and > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, read), ct);
            total += read;
        }

        await destination.FlushAsync(ct);
        return total;
    }

    private async Task<int> ReadAsync(Stream body, byte[] buffer, CancellationToken ct)
    {
        try
        {
            return await body.ReadAsync(buffer, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            throw Unreachable(ex);
        }
    }
}
