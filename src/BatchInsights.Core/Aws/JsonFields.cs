using System.Globalization;
using System.Text.Json;

namespace BatchInsights.Core.Aws;

/// <summary>A response that does not have the shape the API model promises.</summary>
internal sealed class UnexpectedResponseException(string message) : Exception(message);

/// <summary>
/// Strict readers over a JSON object: a missing required member or a wrong type throws with the member's path
/// (e.g. "jobs[3].createdAt"), so a changed or broken response fails loudly instead of turning into empty data.
/// JSON null counts as absent, as in the AWS SDKs.
/// </summary>
internal static class JsonFields
{
    public static JsonElement Root(JsonDocument document, string path = "response")
    {
        var root = document.RootElement;
        return root.ValueKind == JsonValueKind.Object ? root : throw Wrong(path, root, "an object");
    }

    public static string RequiredString(JsonElement obj, string name, string path) =>
        OptionalString(obj, name, path) ?? throw Missing(path, name);

    public static string? OptionalString(JsonElement obj, string name, string path)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Wrong($"{path}.{name}", value, "a string");
    }

    public static long RequiredLong(JsonElement obj, string name, string path) =>
        OptionalLong(obj, name, path) ?? throw Missing(path, name);

    public static long? OptionalLong(JsonElement obj, string name, string path)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }

        // Some responses carry epoch times as fractional numbers; milliseconds are what we keep.
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var fractional) && Math.Abs(fractional) < 9e15)
        {
            return (long)Math.Round(fractional);
        }

        throw Wrong($"{path}.{name}", value, "an integer");
    }

    public static int RequiredInt(JsonElement obj, string name, string path) =>
        OptionalInt(obj, name, path) ?? throw Missing(path, name);

    public static int? OptionalInt(JsonElement obj, string name, string path)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw Wrong($"{path}.{name}", value, "a 32-bit integer");
    }

    public static bool? OptionalBool(JsonElement obj, string name, string path)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw Wrong($"{path}.{name}", value, "true or false");
    }

    public static double? OptionalDouble(JsonElement obj, string name, string path)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Wrong($"{path}.{name}", value, "a number");
    }

    public static JsonElement? OptionalObject(JsonElement obj, string name, string path)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Object ? value : throw Wrong($"{path}.{name}", value, "an object");
    }

    /// <summary>The objects of an array member with their paths; absent → none.</summary>
    public static IEnumerable<(JsonElement Item, string Path)> Objects(JsonElement obj, string name, string path, bool required = false)
    {
        if (!TryGet(obj, name, out var value))
        {
            if (required)
            {
                throw Missing(path, name);
            }

            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Wrong($"{path}.{name}", value, "an array");
        }

        var items = new List<(JsonElement, string)>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = $"{path}.{name}[{index++}]";
            items.Add(item.ValueKind == JsonValueKind.Object ? (item, itemPath) : throw Wrong(itemPath, item, "an object"));
        }

        return items;
    }

    public static IReadOnlyList<string> StringList(JsonElement obj, string name, string path)
    {
        if (!TryGet(obj, name, out var value))
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Wrong($"{path}.{name}", value, "an array of strings");
        }

        var items = new List<string>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            items.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Wrong($"{path}.{name}[{index}]", item, "a string"));
            index++;
        }

        return items;
    }

    public static IReadOnlyDictionary<string, string> StringMap(JsonElement obj, string name, string path)
    {
        if (!TryGet(obj, name, out var value))
        {
            return new Dictionary<string, string>();
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Wrong($"{path}.{name}", value, "an object of strings");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind == JsonValueKind.String
                ? property.Value.GetString()!
                : throw Wrong($"{path}.{name}.{property.Name}", property.Value, "a string");
        }

        return map;
    }

    public static IReadOnlyDictionary<string, int> IntMap(JsonElement obj, string name, string path)
    {
        if (!TryGet(obj, name, out var value))
        {
            return new Dictionary<string, int>();
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Wrong($"{path}.{name}", value, "an object of integers");
        }

        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var number)
                ? number
                : throw Wrong($"{path}.{name}.{property.Name}", property.Value, "an integer");
        }

        return map;
    }

    public static double ParseDouble(string text, string path) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new UnexpectedResponseException($"{path} is '{text}', expected a number");

    private static bool TryGet(JsonElement obj, string name, out JsonElement value) =>
        obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static UnexpectedResponseException Missing(string path, string name) =>
        new($"{path}.{name} is missing");

    private static UnexpectedResponseException Wrong(string path, JsonElement value, string expected) =>
        new($"{path} is {value.ValueKind}, expected {expected}");
}
