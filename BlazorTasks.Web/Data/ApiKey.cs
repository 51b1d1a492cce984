namespace BlazorTasks.Web.Data;

/// <summary>A personal API key: only its SHA-256 hash is stored; the prefix is kept for display.</summary>
public sealed class ApiKey
{
    public Guid Id { get; set; }
    public required string UserId { get; set; }
    public required string Name { get; set; }

    /// <summary>The first characters of the key, shown in the list so a user can tell keys apart.</summary>
    public required string Prefix { get; set; }

    /// <summary>Hex SHA-256 of the whole key.</summary>
    public required string KeyHash { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Updated at most once a minute.</summary>
    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}
