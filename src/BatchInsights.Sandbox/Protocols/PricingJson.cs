using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BatchInsights.Sandbox.Simulation;
using Microsoft.AspNetCore.Http;

namespace BatchInsights.Sandbox.Protocols;

/// <summary>
/// The AWS Price List API over JSON 1.1 (POST /, X-Amz-Target: AWSPriceListService.*): GetProducts for AmazonEC2,
/// filtered and paged like the real service (shapes from botocore pricing/2017-10-15). Other service codes have no
/// products in the sandbox.
/// </summary>
internal static class PricingJson
{
    public const string TargetPrefix = "AWSPriceListService.";
    private const string ContentType = "application/x-amz-json-1.1";
    private const int MaxPageSize = 100;
    private const string TokenPrefix = "sandbox-pricing:";

    public static bool IsPricingRequest(HttpRequest request) =>
        request.Headers.TryGetValue("X-Amz-Target", out var target) && target.ToString().StartsWith(TargetPrefix, StringComparison.Ordinal);

    public static async Task HandleAsync(HttpContext ctx, PricingCatalog catalog)
    {
        var target = ctx.Request.Headers["X-Amz-Target"].ToString();
        if (target != TargetPrefix + "GetProducts")
        {
            await WriteErrorAsync(ctx, 400, "UnknownOperationException", $"The sandbox does not serve {target}.");
            return;
        }

        await AwsJson.RunJson11Async(ctx, WriteErrorAsync, request => GetProductsAsync(ctx, catalog, request));
    }

    private static async Task GetProductsAsync(HttpContext ctx, PricingCatalog catalog, JsonElement request)
    {
        if (request.ValueKind != JsonValueKind.Object) throw new Json11ClientException("SerializationException", "The request body must be a JSON object.");
        var serviceCode = request.GetString("ServiceCode");
        if (string.IsNullOrEmpty(serviceCode)) throw new Json11ClientException("InvalidParameterException", "ServiceCode is required.");
        var format = request.GetString("FormatVersion") ?? "aws_v1";
        if (format != "aws_v1") throw new Json11ClientException("InvalidParameterException", $"FormatVersion {format} is not supported; use aws_v1.");
        int pageSize;
        try
        {
            pageSize = request.GetInt("MaxResults") ?? MaxPageSize;
        }
        catch (BatchClientException ex)
        {
            throw new Json11ClientException("InvalidParameterException", ex.Message);
        }

        if (pageSize is < 1 or > MaxPageSize) throw new Json11ClientException("InvalidParameterException", $"MaxResults must be between 1 and {MaxPageSize}.");
        var filters = ReadFilters(request);

        IEnumerable<PricingProduct> candidates = [];
        if (string.Equals(serviceCode, "AmazonEC2", StringComparison.OrdinalIgnoreCase))
        {
            // Narrow by region first: one region's products are ~900; all regions' several thousand.
            var region = filters.FirstOrDefault(f => f.Type == "TERM_MATCH" && string.Equals(f.Field, "regionCode", StringComparison.OrdinalIgnoreCase));
            candidates = region is null ? catalog.All : catalog.Products(region.Values[0]);
        }

        var matches = candidates.Where(p => filters.All(f => f.Matches(p))).ToList();
        var offset = DecodeToken(request.GetString("NextToken"), matches.Count);
        var page = matches.Skip(offset).Take(pageSize).ToList();
        var next = offset + page.Count < matches.Count ? EncodeToken(offset + page.Count) : null;

        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("FormatVersion", "aws_v1");
            w.WriteStartArray("PriceList");
            // Each item is a JSON document serialized as a string, exactly as the real API sends it.
            foreach (var product in page) w.WriteStringValue(product.Document);
            w.WriteEndArray();
            if (next is not null) w.WriteString("NextToken", next);
            w.WriteEndObject();
        }

        await WriteAsync(ctx, 200, buffer.WrittenMemory);
    }

    private static List<ProductFilter> ReadFilters(JsonElement request)
    {
        var filters = new List<ProductFilter>();
        if (!request.TryGetProperty("Filters", out var list) || list.ValueKind == JsonValueKind.Null) return filters;
        if (list.ValueKind != JsonValueKind.Array) throw new Json11ClientException("SerializationException", "Filters must be a list.");
        foreach (var item in list.EnumerateArray())
        {
            var type = item.GetString("Type");
            var field = item.GetString("Field");
            var value = item.GetString("Value");
            if (type is null || field is null || value is null)
            {
                throw new Json11ClientException("InvalidParameterException", "Each filter needs Type, Field and Value.");
            }

            if (type is not ("TERM_MATCH" or "EQUALS" or "CONTAINS" or "ANY_OF" or "NONE_OF"))
            {
                throw new Json11ClientException("InvalidParameterException", $"Filter type {type} is not valid (TERM_MATCH, EQUALS, CONTAINS, ANY_OF, NONE_OF).");
            }

            // ANY_OF/NONE_OF take a comma-separated list of values.
            string[] values = type is "ANY_OF" or "NONE_OF" ? value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [value];
            filters.Add(new ProductFilter(type, field, values));
        }

        return filters;
    }

    private static int DecodeToken(string? token, int count)
    {
        if (string.IsNullOrEmpty(token)) return 0;
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith(TokenPrefix, StringComparison.Ordinal)
                && int.TryParse(text.AsSpan(TokenPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                && offset <= count)
            {
                return offset;
            }
        }
        catch (FormatException)
        {
            // Falls through to the error below.
        }

        throw new Json11ClientException("InvalidNextTokenException", "The NextToken is not valid for this request.");
    }

    private static string EncodeToken(int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(TokenPrefix + offset.ToString(CultureInfo.InvariantCulture)));

    private static Task WriteErrorAsync(HttpContext ctx, int status, string type, string message)
    {
        ctx.Response.Headers["x-amzn-ErrorType"] = type;
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("__type", type);
            w.WriteString("message", message);
            w.WriteEndObject();
        }

        return WriteAsync(ctx, status, buffer.WrittenMemory);
    }

    private static async Task WriteAsync(HttpContext ctx, int status, ReadOnlyMemory<byte> body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = ContentType;
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }

    private sealed record ProductFilter(string Type, string Field, string[] Values)
    {
        public bool Matches(PricingProduct product)
        {
            var actual = Field switch
            {
                _ when string.Equals(Field, "productFamily", StringComparison.OrdinalIgnoreCase) => product.ProductFamily,
                _ when string.Equals(Field, "serviceCode", StringComparison.OrdinalIgnoreCase) => product.Attributes["servicecode"],
                _ => product.Attributes.FirstOrDefault(a => string.Equals(a.Key, Field, StringComparison.OrdinalIgnoreCase)).Value,
            };
            if (actual is null) return Type == "NONE_OF";
            return Type switch
            {
                "TERM_MATCH" => string.Equals(actual, Values[0], StringComparison.OrdinalIgnoreCase),
                "EQUALS" => string.Equals(actual, Values[0], StringComparison.Ordinal),
                "CONTAINS" => actual.Contains(Values[0], StringComparison.OrdinalIgnoreCase),
                "ANY_OF" => Values.Contains(actual, StringComparer.OrdinalIgnoreCase),
                _ => !Values.Contains(actual, StringComparer.OrdinalIgnoreCase),
            };
        }
    }
}

