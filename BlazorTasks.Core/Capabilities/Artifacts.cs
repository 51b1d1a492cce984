using BlazorTasks.Core.Storage;

namespace BlazorTasks.Core.Capabilities;

/// <summary>Downloadable result files, kept under <c>&lt;DataDirectory&gt;/artifacts/</c>.</summary>
public static class Artifacts
{
    public const string Folder = "artifacts";

    public static string DirectoryFor(StorageOptions storage) => Path.Combine(storage.DataDirectory, Folder);

    /// <summary>The absolute path of a stored relative artifact path, or null when it would leave the artifacts folder.</summary>
    public static string? FullPath(StorageOptions storage, string relativePath)
    {
        var root = Path.GetFullPath(DirectoryFor(storage)) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(storage.DataDirectory, relativePath));
        return full.StartsWith(root, StringComparison.Ordinal) ? full : null;
    }

    /// <summary>Records a running task's artifact; ignored once the task is no longer processing.</summary>
    public static bool Attach(WriteContext context, Guid taskId, string relativePath, string contentType, string fileName)
    {
        var command = context.Command(
            "UPDATE Tasks SET ArtifactPath = @path, ArtifactContentType = @type, ArtifactFileName = @name WHERE Id = @id AND Status = 'processing'");
        command.Parameters.AddWithValue("@id", taskId);
        command.Parameters.AddWithValue("@path", relativePath);
        command.Parameters.AddWithValue("@type", contentType);
        command.Parameters.AddWithValue("@name", fileName);
        return command.ExecuteNonQuery() == 1;
    }
}

/// <summary>
/// A file being written for a task: written under a temporary name and moved into place only when
/// complete, then attached to the task, so a canceled or failed run never leaves a half file behind.
/// </summary>
public sealed class ArtifactFile : IAsyncDisposable
{
    private readonly string _tempPath;
    private bool _committed;

    public ArtifactFile(StorageOptions storage, Guid taskId, string extension)
    {
        Directory.CreateDirectory(Artifacts.DirectoryFor(storage));
        RelativePath = Path.Combine(Artifacts.Folder, $"{taskId:N}.{extension}");
        FullPath = Path.Combine(storage.DataDirectory, RelativePath);
        _tempPath = FullPath + ".partial";
        Stream = new FileStream(_tempPath, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
    }

    public string RelativePath { get; }

    public string FullPath { get; }

    public FileStream Stream { get; }

    public async Task CommitAsync(TaskWriter writer, Guid taskId, string contentType, string fileName, CancellationToken cancellationToken)
    {
        await Stream.FlushAsync(cancellationToken);
        await Stream.DisposeAsync();
        File.Move(_tempPath, FullPath, overwrite: true);
        _committed = true;
        await writer.RunAsync(context => Artifacts.Attach(context, taskId, RelativePath, contentType, fileName), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        if (!_committed)
        {
            File.Delete(_tempPath);
        }
    }
}
