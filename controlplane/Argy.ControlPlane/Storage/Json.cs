using System.Text.Json;

namespace Argy.ControlPlane.Storage;

/// <summary>How list- and map-valued columns are kept: compact JSON text.</summary>
internal static class Json
{
    public static string Write(IReadOnlyList<string> values) => JsonSerializer.Serialize(values, StorageJsonContext.Default.IReadOnlyListString);

    public static string Write(IReadOnlyDictionary<string, string> values) => JsonSerializer.Serialize(values, StorageJsonContext.Default.IReadOnlyDictionaryStringString);

    public static IReadOnlyList<string> ReadList(string? text) =>
        string.IsNullOrEmpty(text) ? [] : JsonSerializer.Deserialize(text, StorageJsonContext.Default.ListString) ?? [];

    public static IReadOnlyDictionary<string, string> ReadMap(string? text) =>
        string.IsNullOrEmpty(text)
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize(text, StorageJsonContext.Default.DictionaryStringString) ?? new Dictionary<string, string>();
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class StorageJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
