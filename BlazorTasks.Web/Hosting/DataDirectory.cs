using BlazorTasks.Core.Storage;
using BlazorTasks.Core.Webhooks;
using Microsoft.AspNetCore.DataProtection;

namespace BlazorTasks.Web.Hosting;

/// <summary>
/// Everything that lives in <c>Storage:DataDirectory</c>: the SQLite file, generated webhook secrets and
/// Data Protection keys (so cookies and bearer tokens survive a restart).
/// </summary>
public static class DataDirectory
{
    public const string DatabaseFile = "blazortasks.db";

    public static WebApplicationBuilder AddDataDirectory(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var configured = configuration[$"{StorageOptions.Section}:DataDirectory"];
        var dataDirectory = Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? "App_Data" : configured, builder.Environment.ContentRootPath);
        Directory.CreateDirectory(dataDirectory);

        var connectionString = SqliteConnections.Normalize(
            configuration.GetConnectionString("BlazorTasks") is { Length: > 0 } configuredConnection
                ? configuredConnection
                : $"Data Source={Path.Combine(dataDirectory, DatabaseFile)}");

        var secrets = new Dictionary<string, string?>();
        foreach (var (key, file) in new[] { ("Secret", "webhook-secret.txt"), ("CallbackSecret", "callback-secret.txt") })
        {
            if (string.IsNullOrWhiteSpace(configuration[$"{WebhookOptions.Section}:{key}"]))
            {
                secrets[$"{WebhookOptions.Section}:{key}"] = ReadOrCreateSecret(Path.Combine(dataDirectory, file));
            }
        }

        configuration.AddInMemoryCollection(secrets);
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .Configure(options =>
            {
                options.DataDirectory = dataDirectory;
                options.ConnectionString = connectionString;
            });

        builder.Services.AddDataProtection()
            .SetApplicationName("BlazorTasks")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));
        return builder;
    }

    /// <summary>Where the generated secrets went, for the start-up log line.</summary>
    public static void LogDataDirectory(this WebApplication app)
    {
        var storage = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value;
        app.Logger.LogInformation(
            "Data directory {DataDirectory}: database {DatabaseFile}; webhook secrets, unless configured, in webhook-secret.txt and callback-secret.txt",
            storage.DataDirectory,
            DatabaseFile);
    }

    private static string ReadOrCreateSecret(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path).Trim();
            if (existing.StartsWith(StandardWebhook.SecretPrefix, StringComparison.Ordinal))
            {
                return existing;
            }
        }

        var secret = StandardWebhook.GenerateSecret();
        var temp = path + ".tmp";
        File.WriteAllText(temp, secret);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
        return secret;
    }
}
