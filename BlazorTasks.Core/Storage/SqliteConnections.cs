using Microsoft.Data.Sqlite;

namespace BlazorTasks.Core.Storage;

public static class SqliteConnections
{
    /// <summary>
    /// WAL lets readers run beside the one writer; synchronous=NORMAL in WAL mode loses nothing when
    /// the process dies (only an OS crash can drop the last commits); a busy timeout makes a rare
    /// collision with another writer (Identity) wait instead of failing.
    /// </summary>
    public const string WriterPragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;";

    public static string Normalize(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            // Microsoft.Data.Sqlite's busy handling (retries up to the command timeout).
            DefaultTimeout = 30,
            Pooling = true,
        };
        return builder.ToString();
    }

    public static SqliteConnection OpenWriter(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = WriterPragmas;
        pragma.ExecuteNonQuery();
        return connection;
    }
}
