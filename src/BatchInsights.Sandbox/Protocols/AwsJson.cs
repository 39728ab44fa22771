using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace BatchInsights.Sandbox.Protocols;

/// <summary>Writes AWS-shaped JSON responses and errors.</summary>
internal static class AwsJson
{
    public const string JsonContentType = "application/json";

    public static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> body, string contentType = JsonContentType)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    /// <summary>An error the AWS way: status, x-amzn-ErrorType and {"__type","message"}.</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.Headers["x-amzn-ErrorType"] = type;
        return WriteAsync(context, status, w =>
        {
            w.WriteString("__type", type);
            w.WriteString("message", message);
        });
    }

    public static string? GetString(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    public static int? GetInt(this JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null) return null;
        if (p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var v)) return v;
        throw new Simulation.BatchClientException($"{name} must be an integer.");
    }

    public static IReadOnlyList<string>? GetStringList(this JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null) return null;
        if (p.ValueKind != JsonValueKind.Array) throw new Simulation.BatchClientException($"{name} must be a list of strings.");
        return p.EnumerateArray().Select(x => x.GetString() ?? "").ToList();
    }

    public static void WriteStringArray(this Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    public static void WriteMap(this Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string> map)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in map) w.WriteString(k, v);
        w.WriteEndObject();
    }

    /// <summary>
    /// Reads a JSON 1.1 request body and runs the operation on it; an unreadable body and a
    /// <see cref="Json11ClientException"/> become the service's 400 answer (written by <paramref name="writeError"/>).
    /// </summary>
    public static async Task RunJson11Async(HttpContext ctx, Func<HttpContext, int, string, string, Task> writeError, Func<JsonElement, Task> operation)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
        }
        catch (JsonException)
        {
            await writeError(ctx, 400, "SerializationException", "The request body is not valid JSON.");
            return;
        }

        using (document)
        {
            try
            {
                await operation(document.RootElement);
            }
            catch (Json11ClientException ex)
            {
                await writeError(ctx, 400, ex.Code, ex.Message);
            }
        }
    }
}

/// <summary>A request a JSON 1.1 service (Pricing, ECS) rejects with HTTP 400 and an error code.</summary>
internal sealed class Json11ClientException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
