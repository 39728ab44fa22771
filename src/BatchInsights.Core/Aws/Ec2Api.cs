using System.Globalization;
using System.Net;
using Amazon;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;

namespace BatchInsights.Core.Aws;

/// <summary>
/// <see cref="IEc2Api"/> on AWSSDK.EC2 (the EC2 Query/XML protocol is the SDK's job). Every HTTP attempt,
/// SDK retries included, first takes a token from the target's EC2 rate budget and is counted in
/// <see cref="Stats"/> (see <see cref="Ec2HttpClientFactory"/>). Throttling (RequestLimitExceeded) and 5xx
/// are retried by the SDK up to <see cref="AwsCallPolicy.MaxRetries"/> times.
/// </summary>
public sealed partial class Ec2Api : IEc2Api, IDisposable
{
    public const string ServiceName = "EC2";
    public const string SigningName = "ec2";

    /// <summary>DescribeSpotPriceHistory's page size (its maximum is 1000).</summary>
    internal const int SpotPricePageSize = 1000;

    /// <summary>DescribeInstanceTypes' page size (its maximum is 100).</summary>
    internal const int InstanceTypesPageSize = 100;

    /// <summary>DescribeInstanceTypeOfferings' page size (its maximum is 1000).</summary>
    internal const int InstanceTypeOfferingsPageSize = 1000;

    private readonly AmazonEC2Client _client;
    private readonly Ec2HttpClientFactory _httpClients;

    /// <param name="endpoint">Null for the region's public endpoint; the sandbox/moto URL otherwise.</param>
    public Ec2Api(AwsTarget target, Uri? endpoint, AwsCredentialSource credentials, AwsCallPolicy policy, TokenBucket budget)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(budget);
        Target = target;
        _httpClients = new Ec2HttpClientFactory(budget, Stats, policy.CallTimeout);
        var config = new AmazonEC2Config
        {
            MaxErrorRetry = policy.MaxRetries,
            Timeout = policy.CallTimeout,
            HttpClientFactory = _httpClients,
        };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = target.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(target.Region);
        }

        _client = new AmazonEC2Client(new CredentialSourceAdapter(credentials), config);
    }

    public AwsTarget Target { get; }

    public AwsCallStats Stats { get; } = new();

    public async Task<IReadOnlyList<SpotPriceSnapshot>> DescribeSpotPriceHistoryAsync(SpotPriceQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var results = new List<SpotPriceSnapshot>();
        string? nextToken = null;
        do
        {
            var request = new DescribeSpotPriceHistoryRequest
            {
                InstanceTypes = query.InstanceTypes.Count == 0 ? null : [.. query.InstanceTypes],
                ProductDescriptions = query.ProductDescriptions.Count == 0 ? null : [.. query.ProductDescriptions],
                AvailabilityZone = query.AvailabilityZone,
                StartTime = query.StartTime.UtcDateTime,
                EndTime = query.EndTime?.UtcDateTime,
                MaxResults = SpotPricePageSize,
                NextToken = nextToken,
            };
            var response = await CallAsync("DescribeSpotPriceHistory", ct => _client.DescribeSpotPriceHistoryAsync(request, ct), cancellationToken);
            foreach (var price in response.SpotPriceHistory ?? [])
            {
                results.Add(Map(price));
            }

            nextToken = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
        }
        while (nextToken is not null);

        return results;
    }

    public async Task<IReadOnlyList<InstanceTypeSnapshot>> DescribeInstanceTypesAsync(CancellationToken cancellationToken)
    {
        var results = new List<InstanceTypeSnapshot>();
        string? nextToken = null;
        do
        {
            var request = new DescribeInstanceTypesRequest { MaxResults = InstanceTypesPageSize, NextToken = nextToken };
            var response = await CallAsync("DescribeInstanceTypes", ct => _client.DescribeInstanceTypesAsync(request, ct), cancellationToken);
            foreach (var info in response.InstanceTypes ?? [])
            {
                if (info.InstanceType?.Value is { Length: > 0 })
                {
                    results.Add(Map(info));
                }
            }

            nextToken = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
        }
        while (nextToken is not null);

        return results;
    }

    public async Task<IReadOnlyList<InstanceTypeOffering>> DescribeInstanceTypeOfferingsAsync(CancellationToken cancellationToken)
    {
        var results = new List<InstanceTypeOffering>();
        string? nextToken = null;
        do
        {
            var request = new DescribeInstanceTypeOfferingsRequest
            {
                LocationType = LocationType.AvailabilityZone,
                MaxResults = InstanceTypeOfferingsPageSize,
                NextToken = nextToken,
            };
            var response = await CallAsync("DescribeInstanceTypeOfferings", ct => _client.DescribeInstanceTypeOfferingsAsync(request, ct), cancellationToken);
            foreach (var offering in response.InstanceTypeOfferings ?? [])
            {
                results.Add(Map(offering));
            }

            nextToken = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
        }
        while (nextToken is not null);

        return results;
    }

    public void Dispose()
    {
        _client.Dispose();
        _httpClients.Dispose();
    }

    internal static SpotPriceSnapshot Map(SpotPrice price)
    {
        var operation = "DescribeSpotPriceHistory";
        if (!decimal.TryParse(price.Price, NumberStyles.Number, CultureInfo.InvariantCulture, out var usd) || usd < 0)
        {
            throw new AwsApiException(ServiceName, operation, $"unexpected response: spot price '{price.Price}' is not a non-negative number");
        }

        if (price.Timestamp is not { } timestamp)
        {
            throw new AwsApiException(ServiceName, operation, "unexpected response: a spot price has no timestamp");
        }

        return new SpotPriceSnapshot(
            price.AvailabilityZone ?? throw new AwsApiException(ServiceName, operation, "unexpected response: a spot price has no availabilityZone"),
            price.InstanceType?.Value ?? throw new AwsApiException(ServiceName, operation, "unexpected response: a spot price has no instanceType"),
            price.ProductDescription?.Value ?? throw new AwsApiException(ServiceName, operation, "unexpected response: a spot price has no productDescription"),
            usd,
            new DateTimeOffset(AsUtc(timestamp)).ToUnixTimeMilliseconds());
    }

    internal static InstanceTypeSnapshot Map(InstanceTypeInfo info)
    {
        var name = info.InstanceType.Value;
        var (family, size) = InstanceTypeSnapshot.SplitName(name);
        var gpus = info.GpuInfo?.Gpus ?? [];
        var usage = info.SupportedUsageClasses?.ToHashSet(StringComparer.Ordinal) ?? [];
        return new InstanceTypeSnapshot(
            name,
            family,
            size,
            info.CurrentGeneration ?? false,
            info.VCpuInfo?.DefaultVCpus ?? 0,
            info.MemoryInfo?.SizeInMiB ?? 0,
            gpus.Sum(g => g.Count ?? 0),
            GpuModel(gpus),
            info.GpuInfo?.TotalGpuMemoryInMiB ?? 0,
            info.ProcessorInfo?.SupportedArchitectures?.ToList() ?? [],
            info.BurstablePerformanceSupported ?? false,
            info.BareMetal ?? false,
            usage.Contains("spot"),
            usage.Contains("on-demand"));
    }

    internal static InstanceTypeOffering Map(Amazon.EC2.Model.InstanceTypeOffering offering)
    {
        var operation = "DescribeInstanceTypeOfferings";
        var type = offering.InstanceType?.Value is { Length: > 0 } t
            ? t
            : throw new AwsApiException(ServiceName, operation, "unexpected response: an instance type offering has no instanceType");
        if (string.IsNullOrEmpty(offering.Location))
        {
            throw new AwsApiException(ServiceName, operation, $"unexpected response: the offering of {type} has no location");
        }

        // Asked for by AZ: an offering located elsewhere (a region, a zone id) would be taken for an AZ name.
        if (offering.LocationType?.Value is { Length: > 0 } locationType && locationType != LocationType.AvailabilityZone.Value)
        {
            throw new AwsApiException(ServiceName, operation,
                $"unexpected response: the offering of {type} in '{offering.Location}' has locationType '{locationType}', not availability-zone");
        }

        return new InstanceTypeOffering(type, offering.Location);
    }

    // "NVIDIA T4", as in the embedded snapshot; several models (rare) are joined with ';'.
    private static string? GpuModel(List<GpuDeviceInfo> gpus)
    {
        var models = gpus
            .Select(g => string.Join(' ', new[] { g.Manufacturer, g.Name }.Where(n => !string.IsNullOrEmpty(n))))
            .Where(m => m.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return models.Count == 0 ? null : string.Join(';', models);
    }

    // AWSSDK v4 parses wire timestamps as UTC; be explicit so a Local/Unspecified value can never shift by the host's zone.
    private static DateTime AsUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };

    private async Task<T> CallAsync<T>(string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (AmazonServiceException ex)
        {
            var status = ex.StatusCode == 0 ? (int?)null : (int)ex.StatusCode;
            var detail = string.IsNullOrEmpty(ex.ErrorCode) ? ex.Message : $"{ex.ErrorCode}: {ex.Message}";
            if (ex.StatusCode == HttpStatusCode.Forbidden || ex.ErrorCode is "UnauthorizedOperation" or "AccessDenied" or "AccessDeniedException")
            {
                detail += $" (the credentials need ec2:{operation})";
            }

            throw new AwsApiException(ServiceName, operation, detail, status, ex.ErrorCode, ex.RequestId, ex);
        }
        catch (System.Xml.XmlException ex)
        {
            // A truncated or garbled answer: the SDK's unmarshaller lets the XML reader's exception through.
            throw new AwsApiException(ServiceName, operation, $"unexpected response: not valid XML ({ex.Message})", errorCode: "MalformedResponse", inner: ex);
        }
        catch (AmazonClientException ex)
        {
            // Credentials, unreadable XML, or a connection failure after the SDK's retries.
            throw new AwsApiException(ServiceName, operation, ex.Message, inner: ex);
        }
        catch (OperationCanceledException ex)
        {
            throw new AwsApiException(ServiceName, operation, $"no response within the call timeout ({ex.Message})", errorCode: "Timeout", inner: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new AwsApiException(ServiceName, operation, ex.Message, errorCode: "NetworkError", inner: ex);
        }
    }
}
