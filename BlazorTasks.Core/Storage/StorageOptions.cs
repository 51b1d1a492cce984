namespace BlazorTasks.Core.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Folder for the SQLite file, generated secrets and artifacts.</summary>
    public string DataDirectory { get; set; } = "App_Data";

    /// <summary>The SQLite connection string (filled in from the data directory when not configured).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Largest number of write operations committed in one transaction.</summary>
    public int MaxWriteBatch { get; set; } = 512;

    /// <summary>Pending write operations before callers wait (backpressure).</summary>
    public int WriteQueueCapacity { get; set; } = 20_000;
}
