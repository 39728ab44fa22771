using System.Globalization;
using System.Text.Json;
using BatchInsights.Core.Catalog;

namespace BatchInsights.Core.Aws;

/// <summary>
/// The AWS Price List API (GetProducts, JSON 1.1) as an <see cref="IOnDemandPriceSource"/>: Linux, shared-tenancy,
/// On-Demand prices of EC2 instance types in one region, with Karpenter's filters. The API only has endpoints in a
/// few regions (us-east-1, eu-central-1, ap-south-1), so it is always called there, whatever region is priced.
/// </summary>
public sealed class PricingApiClient : IOnDemandPriceSource
{
    public const string ServiceName = "Pricing";
    public const string SigningName = "pricing";
    public const string DefaultPricingRegion = "us-east-1";

    /// <summary>The maximum page size of GetProducts.</summary>
    internal const int PageSize = 100;

    internal const string GetProductsTarget = "AWSPriceListService.GetProducts";
    private static readonly AwsOperation GetProducts = AwsOperation.Pricing.GetProducts;
    private const string JsonContentType = "application/x-amz-json-1.1";

    private readonly AwsJsonTransport _transport;

    /// <param name="httpClient">From IHttpClientFactory in the app; any HttpClient in tests.</param>
    /// <param name="endpoint">Null for https://api.pricing.{pricingRegion}.amazonaws.com; the sandbox URL otherwise.</param>
    /// <param name="pricingRegion">Where the Price List API is called (us-east-1, eu-central-1 or ap-south-1); also the signing region.</param>
    public PricingApiClient(
        HttpClient httpClient,
        Uri? endpoint,
        AwsCredentialSource credentials,
        AwsCallPolicy policy,
        TokenBucket budget,
        TimeProvider? time = null,
        string pricingRegion = DefaultPricingRegion)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentException.ThrowIfNullOrWhiteSpace(pricingRegion);
        _transport = new AwsJsonTransport(
            httpClient,
            ServiceName,
            new SigV4Signer(SigningName, pricingRegion),
            endpoint ?? DefaultEndpoint(pricingRegion),
            credentials,
            policy,
            budget,
            Stats,
            time ?? TimeProvider.System);
    }

    public AwsCallStats Stats { get; } = new();

    public Uri Endpoint => _transport.Endpoint;

    public static Uri DefaultEndpoint(string pricingRegion) => new($"https://api.pricing.{pricingRegion}.amazonaws.com");

    public async Task<IReadOnlyDictionary<string, decimal>> GetLinuxOnDemandPricesAsync(string region, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        var prices = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var seenTokens = new HashSet<string>(StringComparer.Ordinal);
        string? nextToken = null;
        do
        {
            var body = RequestBody(region, nextToken);
            AwsResponse response;
            try
            {
                response = await _transport.PostAsync(GetProducts, "/", body, JsonContentType, GetProductsTarget, cancellationToken);
            }
            catch (AwsApiException ex) when (IsAccessDenied(ex) && !ex.Message.Contains(GetProducts.IamAction, StringComparison.Ordinal))
            {
                // AWS does not always name the action; the Harvest status page shows what to add to the policy.
                var prefix = $"{ServiceName} {GetProducts.Name} failed: ";
                var detail = ex.Message.StartsWith(prefix, StringComparison.Ordinal) ? ex.Message[prefix.Length..] : ex.Message;
                throw new AwsApiException(ServiceName, GetProducts.Name, $"{detail} (the credentials need {GetProducts.IamAction})", ex.HttpStatus, ex.ErrorCode, ex.RequestId, ex);
            }

            string? next;
            try
            {
                next = PricingResponseParser.ParsePage(response.Body, prices);
            }
            catch (JsonException ex)
            {
                throw new AwsApiException(ServiceName, GetProducts.Name, $"unexpected response: not valid JSON ({ex.Message})", response.Status, requestId: response.RequestId, inner: ex);
            }
            catch (UnexpectedResponseException ex)
            {
                throw new AwsApiException(ServiceName, GetProducts.Name, $"unexpected response: {ex.Message}", response.Status, requestId: response.RequestId, inner: ex);
            }

            nextToken = string.IsNullOrEmpty(next) ? null : next;
            if (nextToken is not null && !seenTokens.Add(nextToken))
            {
                // A server that hands out the same token again would make us loop forever.
                throw new AwsApiException(ServiceName, GetProducts.Name, $"unexpected response: NextToken '{nextToken}' was returned twice");
            }
        }
        while (nextToken is not null);

        return prices;
    }

    private static bool IsAccessDenied(AwsApiException ex) =>
        ex.HttpStatus == 403 || ex.ErrorCode is "AccessDeniedException" or "AccessDenied" or "UnauthorizedOperation";

    /// <summary>Karpenter's filters (pkg/providers/pricing/pricing.go) for one region's Linux On-Demand prices.</summary>
    internal static IReadOnlyList<(string Field, string Value)> Filters(string region) =>
    [
        ("regionCode", region),
        ("serviceCode", "AmazonEC2"),
        ("preInstalledSw", "NA"),
        ("operatingSystem", "Linux"),
        ("capacitystatus", "Used"),
        ("marketoption", "OnDemand"),
        ("tenancy", "Shared"),
        ("productFamily", "Compute Instance"),
    ];

    private static byte[] RequestBody(string region, string? nextToken)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("ServiceCode", "AmazonEC2");
            writer.WriteStartArray("Filters");
            foreach (var (field, value) in Filters(region))
            {
                writer.WriteStartObject();
                writer.WriteString("Type", "TERM_MATCH");
                writer.WriteString("Field", field);
                writer.WriteString("Value", value);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("FormatVersion", "aws_v1");
            writer.WriteNumber("MaxResults", PageSize);
            if (nextToken is not null)
            {
                writer.WriteString("NextToken", nextToken);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}

/// <summary>Reads GetProducts pages: PriceList is an array of JSON <em>strings</em>, each one product document.</summary>
internal static class PricingResponseParser
{
    /// <summary>Adds each product's hourly USD price to <paramref name="prices"/>; returns the NextToken.</summary>
    public static string? ParsePage(byte[] body, Dictionary<string, decimal> prices)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new UnexpectedResponseException("the response is not a JSON object");
        }

        string? nextToken = null;
        if (root.TryGetProperty("NextToken", out var token) && token.ValueKind != JsonValueKind.Null)
        {
            nextToken = token.ValueKind == JsonValueKind.String ? token.GetString() : throw new UnexpectedResponseException("NextToken is not a string");
        }

        if (!root.TryGetProperty("PriceList", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return nextToken;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new UnexpectedResponseException("PriceList is not an array");
        }

        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new UnexpectedResponseException($"PriceList[{index}] is not a string");
            }

            try
            {
                if (ParseProduct(item.GetString()!) is ({ } type, { } usd))
                {
                    prices.TryAdd(type, usd);
                }
            }
            catch (JsonException ex)
            {
                throw new UnexpectedResponseException($"PriceList[{index}] is not a JSON product document ({ex.Message})");
            }
            catch (UnexpectedResponseException ex)
            {
                throw new UnexpectedResponseException($"PriceList[{index}]: {ex.Message}");
            }

            index++;
        }

        return nextToken;
    }

    /// <summary>The instance type and its first non-zero hourly USD On-Demand price; (type, null) when it has none.</summary>
    private static (string Type, decimal? Usd) ParseProduct(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var attributes = Property(Property(root, "product", JsonValueKind.Object), "attributes", JsonValueKind.Object);
        var type = Property(attributes, "instanceType", JsonValueKind.String).GetString();
        if (string.IsNullOrEmpty(type))
        {
            throw new UnexpectedResponseException("product.attributes.instanceType is empty");
        }

        var onDemand = Property(Property(root, "terms", JsonValueKind.Object), "OnDemand", JsonValueKind.Object);
        foreach (var offer in onDemand.EnumerateObject())
        {
            foreach (var dimension in Property(offer.Value, "priceDimensions", JsonValueKind.Object).EnumerateObject())
            {
                var text = Property(Property(dimension.Value, "pricePerUnit", JsonValueKind.Object), "USD", JsonValueKind.String).GetString();
                if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var usd))
                {
                    throw new UnexpectedResponseException($"the USD price '{text}' of {type} is not a number");
                }

                // Karpenter skips zero prices too: they are placeholders, not free instances.
                if (usd > 0)
                {
                    return (type, usd);
                }
            }
        }

        return (type, null);
    }

    private static JsonElement Property(JsonElement element, string name, JsonValueKind kind) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == kind
            ? value
            : throw new UnexpectedResponseException($"{name} is missing or not a JSON {kind.ToString().ToLowerInvariant()}");
}
