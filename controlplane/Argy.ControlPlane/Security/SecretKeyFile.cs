using System.Security.Cryptography;

namespace Argy.ControlPlane.Security;

/// <summary>Loads the secrets key from configuration, or from a 0600 key file it creates on first use.</summary>
public static class SecretKeyFile
{
    public static byte[] LoadOrCreate(SecretsOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Key))
        {
            var key = Convert.FromBase64String(options.Key);
            return key.Length == 32 ? key : throw new InvalidOperationException("Argy:Secrets:Key must be the base64 of exactly 32 bytes.");
        }

        var path = options.KeyFile ?? throw new InvalidOperationException("Argy:Secrets:KeyFile is not set.");
        if (File.Exists(path))
        {
            var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            return key.Length == 32 ? key : throw new InvalidOperationException($"The key file {path} does not hold a 32-byte key.");
        }

        var fresh = RandomNumberGenerator.GetBytes(32);
        var temporary = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        File.Delete(temporary);
        using (var stream = new FileStream(temporary, fileOptions))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Convert.ToBase64String(fresh));
        }

        File.Move(temporary, path, overwrite: false);
        return fresh;
    }
}
