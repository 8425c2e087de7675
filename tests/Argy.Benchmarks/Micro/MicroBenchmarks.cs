using System.Buffers;
using System.Text;
using Argy.Agent.Jobs;
using Argy.Protocol.V1;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;

namespace Argy.Benchmarks.Micro;

/// <summary>The per-chunk costs on the log path: secret masking and the wire encoding of a 64 KiB chunk.</summary>
[MemoryDiagnoser]
public class LogPathBenchmarks
{
    private readonly byte[] _chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("deploying service web-01 step 42 ok\n", 1820)));
    private byte[] _encoded = [];

    [GlobalSetup]
    public void Setup() => _encoded = Message().ToByteArray();

    [Benchmark]
    public int Mask_64KiB_with_two_secrets()
    {
        var masker = new SecretMasker(["hunter2-very-secret", "AKIAIOSFODNN7EXAMPLE"]);
        var output = new ArrayBufferWriter<byte>(_chunk.Length);
        masker.Mask(_chunk, output);
        masker.Flush(output);
        return output.WrittenCount;
    }

    [Benchmark]
    public int Encode_64KiB_log_chunk() => Message().CalculateSize();

    [Benchmark]
    public long Decode_64KiB_log_chunk() => AgentMessage.Parser.ParseFrom(_encoded).LogChunk.Sequence;

    private AgentMessage Message() => new()
    {
        LogChunk = new LogChunk { RunId = "run_0123456789abcdef", Sequence = 42, Stream = OutputStream.Stdout, Data = UnsafeByteOperations.UnsafeWrap(_chunk) },
    };
}
