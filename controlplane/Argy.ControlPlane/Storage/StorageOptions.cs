using System.ComponentModel.DataAnnotations;

namespace Argy.ControlPlane.Storage;

public sealed class StorageOptions
{
    public const string Section = "Argy:Storage";

    /// <summary>Path of the SQLite file; created on first start.</summary>
    [Required]
    public string DatabasePath { get; set; } = "argy.db";
}
