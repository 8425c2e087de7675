using System.Buffers;
using System.Text;
using Argy.Agent.Jobs;

namespace Argy.Agent.Tests.Jobs;

public sealed class SecretMaskerTests
{
    private static string MaskReads(string[] secrets, params string[] reads)
    {
        var masker = new SecretMasker(secrets);
        var output = new ArrayBufferWriter<byte>();
        foreach (var read in reads)
        {
            masker.Mask(Encoding.UTF8.GetBytes(read), output);
        }

        masker.Flush(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void Whole_secret_in_one_read_is_masked()
    {
        MaskReads(["hunter2"], "password=hunter2\n").Should().Be("password=***\n");
    }

    [Fact]
    public void Secret_split_across_two_reads_is_masked()
    {
        MaskReads(["hunter2"], "password=hun", "ter2 ok\n").Should().Be("password=*** ok\n");
    }

    [Fact]
    public void Secret_split_byte_by_byte_is_masked()
    {
        var text = "a hunter2 b";
        MaskReads(["hunter2"], text.Select(c => c.ToString()).ToArray()).Should().Be("a *** b");
    }

    [Fact]
    public void Every_occurrence_of_several_secrets_is_masked()
    {
        MaskReads(["alpha", "beta"], "alpha beta alphabeta", "beta").Should().Be("*** *** *********");
    }

    [Fact]
    public void Overlapping_secrets_mask_the_longer_match()
    {
        MaskReads(["abc", "abcdef"], "xabcdefx abcx").Should().Be("x***x ***x");
    }

    [Fact]
    public void Longer_secret_split_across_reads_wins_over_its_own_prefix_secret()
    {
        MaskReads(["abc", "abcdef"], "xabc", "defx").Should().Be("x***x");
    }

    [Fact]
    public void Secrets_sharing_characters_leave_no_fragment_visible()
    {
        MaskReads(["abc", "bcd"], "abcd").Should().Be("***d");
    }

    [Fact]
    public void Output_without_secrets_passes_through_unchanged()
    {
        MaskReads(["hunter2"], "nothing to see", " here").Should().Be("nothing to see here");
    }

    [Fact]
    public void No_secrets_means_no_bytes_are_held_back()
    {
        var masker = new SecretMasker([]);
        var output = new ArrayBufferWriter<byte>();
        masker.Mask("partial"u8, output);
        Encoding.UTF8.GetString(output.WrittenSpan).Should().Be("partial");
    }

    [Fact]
    public void Possible_secret_start_is_held_until_the_next_read_then_released()
    {
        var masker = new SecretMasker(["hunter2"]);
        var output = new ArrayBufferWriter<byte>();

        masker.Mask("log: hunt"u8, output);
        Encoding.UTF8.GetString(output.WrittenSpan).Should().Be("log: ");

        masker.Mask("ing\n"u8, output);
        Encoding.UTF8.GetString(output.WrittenSpan).Should().Be("log: hunting\n");
    }

    [Fact]
    public void Held_back_prefix_is_emitted_at_end_of_stream()
    {
        MaskReads(["hunter2"], "ends with hunt").Should().Be("ends with hunt");
    }

    [Fact]
    public void Empty_secret_values_are_ignored()
    {
        MaskReads(["", "s3cr3t"], "a s3cr3t b").Should().Be("a *** b");
    }

    [Fact]
    public void Multibyte_secret_split_inside_a_character_is_masked()
    {
        var secret = "pässwörd";
        var bytes = Encoding.UTF8.GetBytes($"x{secret}y");
        var masker = new SecretMasker([secret]);
        var output = new ArrayBufferWriter<byte>();
        masker.Mask(bytes.AsSpan(0, 3), output);
        masker.Mask(bytes.AsSpan(3), output);
        masker.Flush(output);
        Encoding.UTF8.GetString(output.WrittenSpan).Should().Be("x***y");
    }

    [Fact]
    public void Secret_that_is_split_over_three_reads_is_masked()
    {
        MaskReads(["correct-horse-battery"], "key=corr", "ect-horse-", "battery;").Should().Be("key=***;");
    }

    [Fact]
    public void Secret_repeated_across_a_read_boundary_is_masked_each_time()
    {
        MaskReads(["abc"], "abcab", "cabc").Should().Be("*********");
    }

    [Fact]
    public void Secret_longer_than_a_pipe_read_is_masked()
    {
        var secret = new string('k', OutputPump.ReadBufferBytes + 100);
        var text = $"<{secret}>";

        MaskReads([secret], text[..OutputPump.ReadBufferBytes], text[OutputPump.ReadBufferBytes..]).Should().Be("<***>");
    }
}
