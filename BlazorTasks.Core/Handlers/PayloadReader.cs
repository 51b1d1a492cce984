using System.Text.Json;

namespace BlazorTasks.Core.Handlers;

/// <summary>Small typed reads of a JSON payload that collect field errors instead of throwing.</summary>
public sealed class PayloadReader(JsonElement payload)
{
    private readonly Dictionary<string, string[]> _errors = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string[]> Errors => _errors;

    public bool IsObject => payload.ValueKind == JsonValueKind.Object;

    public int Int(string name, int defaultValue, int min, int max)
    {
        if (!TryGet(name, out var value))
        {
            return defaultValue;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            AddError(name, $"'{name}' must be a whole number from {min} to {max}.");
            return defaultValue;
        }

        if (number < min || number > max)
        {
            AddError(name, $"'{name}' must be from {min} to {max}; got {number}.");
            return defaultValue;
        }

        return number;
    }

    public bool Bool(string name, bool defaultValue)
    {
        if (!TryGet(name, out var value))
        {
            return defaultValue;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            AddError(name, $"'{name}' must be true or false.");
            return defaultValue;
        }

        return value.GetBoolean();
    }

    public string? OneOf(string name, string? defaultValue, params string[] allowed)
    {
        if (!TryGet(name, out var value))
        {
            return defaultValue;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (text is null || !allowed.Contains(text, StringComparer.Ordinal))
        {
            AddError(name, $"'{name}' must be one of: {string.Join(", ", allowed.Select(a => $"\"{a}\""))}.");
            return defaultValue;
        }

        return text;
    }

    public void AddError(string name, string message) =>
        _errors[name] = _errors.TryGetValue(name, out var existing) ? [.. existing, message] : [message];

    public bool TryGet(string name, out JsonElement value)
    {
        value = default;
        return payload.ValueKind == JsonValueKind.Object
            && payload.TryGetProperty(name, out value)
            && value.ValueKind != JsonValueKind.Null;
    }
}
