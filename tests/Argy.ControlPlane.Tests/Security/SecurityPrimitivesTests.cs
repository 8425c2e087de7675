using System.Security.Cryptography;
using Argy.ControlPlane.Security;

namespace Argy.ControlPlane.Tests.Security;

public sealed class SecurityPrimitivesTests
{
    [Fact]
    public void An_issued_token_parses_back_and_verifies_only_with_its_own_secret()
    {
        var issued = OpaqueToken.Issue(OpaqueToken.ApiTokenKind, "abc123");

        OpaqueToken.TryParse(OpaqueToken.ApiTokenKind, issued.Token, out var parsed).Should().BeTrue();
        parsed.Id.Should().Be("abc123");
        OpaqueToken.Verify(parsed.Secret, issued.SecretHash).Should().BeTrue();
        OpaqueToken.Verify(parsed.Secret + "x", issued.SecretHash).Should().BeFalse();
        OpaqueToken.TryParse(OpaqueToken.EnrollmentKind, issued.Token, out _).Should().BeFalse("a token of one kind is not accepted as another");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("argy_pat_")]
    [InlineData("argy_pat_idonly")]
    [InlineData("argy_pat__secret")]
    [InlineData("Bearer argy_pat_a_b")]
    public void Malformed_tokens_do_not_parse(string? token) =>
        OpaqueToken.TryParse(OpaqueToken.ApiTokenKind, token, out _).Should().BeFalse();

    [Fact]
    public void A_sealed_secret_opens_with_its_key_and_a_tampered_one_does_not()
    {
        var box = new SecretBox(RandomNumberGenerator.GetBytes(32));
        var sealedValue = box.Seal("hunter2"u8);

        box.Open(sealedValue).Should().Equal("hunter2"u8.ToArray());
        sealedValue[^1] ^= 1;
        var tampered = () => box.Open(sealedValue);
        tampered.Should().Throw<CryptographicException>();
        var otherKey = () => new SecretBox(RandomNumberGenerator.GetBytes(32)).Open(box.Seal("x"u8));
        otherKey.Should().Throw<CryptographicException>();
    }

    [Fact]
    public void The_generated_key_file_is_readable_by_its_owner_only_and_reused()
    {
        var path = Path.Combine(Path.GetTempPath(), "argy-key-" + Guid.NewGuid().ToString("N"));
        try
        {
            var first = SecretKeyFile.LoadOrCreate(new SecretsOptions { KeyFile = path });
            var second = SecretKeyFile.LoadOrCreate(new SecretsOptions { KeyFile = path });

            second.Should().Equal(first);
            File.GetUnixFileMode(path).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Ids_carry_their_prefix_and_are_validated()
    {
        var id = Ids.New("agt");

        Ids.LooksValid(id, "agt").Should().BeTrue();
        Ids.LooksValid(id, "run").Should().BeFalse();
        Ids.LooksValid("agt_../../etc", "agt").Should().BeFalse();
    }
}
