using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace BatchInsights.Core.Aws;

/// <summary>The CloudWatch calls BatchInsights makes. One instance talks to one account + region.</summary>
public interface ICloudWatchApi
{
    AwsTarget Target { get; }

    /// <summary>Counters since creation: HTTP calls sent (retries included) and throttled responses seen.</summary>
    AwsCallStats Stats { get; }

    /// <summary>
    /// GetMetricData for MetricStat queries over [start, end): one series per query id, oldest point first,
    /// following NextToken and splitting more than 500 queries into several requests.
    /// </summary>
    Task<IReadOnlyList<MetricSeries>> GetMetricDataAsync(IReadOnlyList<MetricStatQuery> queries, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken);
}

/// <summary>One MetricStat query: Id must start with a lowercase letter (CloudWatch's rule).</summary>
public sealed record MetricStatQuery(string Id, string Namespace, string MetricName, IReadOnlyList<KeyValuePair<string, string>> Dimensions, int PeriodSeconds, string Stat);

/// <summary>The datapoints of one query; StatusCode "Complete" unless CloudWatch cut it short ("PartialData").</summary>
public sealed record MetricSeries(string Id, string? Label, string StatusCode, IReadOnlyList<MetricPoint> Points);

public sealed record MetricPoint(DateTimeOffset Timestamp, double Value);

/// <summary>
/// CloudWatch's GetMetricData over the AWS Query protocol (form-encoded POST, XML answer), on our own transport:
/// SigV4 from AWSSDK.Core, the target's own CloudWatch rate budget, retries on "Throttling" and 5xx. AWSSDK.CloudWatch
/// is not on our package source; botocore's model also declares JSON 1.0 and CBOR, but Query is the protocol every
/// CloudWatch endpoint (and moto) has always served.
/// </summary>
public sealed class CloudWatchApiClient : AwsTargetClient, ICloudWatchApi
{
    public const string ServiceName = "CloudWatch";
    public const string SigningName = "monitoring";
    public const string ApiVersion = "2010-08-01";
    internal const string XmlNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/";
    internal const int MaxQueriesPerRequest = 500;
    private static readonly AwsOperation GetMetricData = AwsOperation.CloudWatch.GetMetricData;
    // Every byte of the body is percent-encoded ASCII, so no charset parameter is needed.
    private const string FormContentType = "application/x-www-form-urlencoded";

    /// <param name="endpoint">Null for https://monitoring.{region}.amazonaws.com; the sandbox/moto URL otherwise.</param>
    public CloudWatchApiClient(HttpClient httpClient, AwsTarget target, Uri? endpoint, AwsCredentialSource credentials, AwsCallPolicy policy, TokenBucket budget, TimeProvider? time = null)
        : base(httpClient, target, ServiceName, SigningName, "monitoring", endpoint, credentials, policy, budget, time)
    {
    }

    public async Task<IReadOnlyList<MetricSeries>> GetMetricDataAsync(IReadOnlyList<MetricStatQuery> queries, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var results = new List<MetricSeries>();
        foreach (var chunk in queries.Chunk(MaxQueriesPerRequest))
        {
            var series = chunk.ToDictionary(q => q.Id, _ => (Label: (string?)null, Status: "Complete", Points: new List<MetricPoint>()), StringComparer.Ordinal);
            var seenTokens = new HashSet<string>(StringComparer.Ordinal);
            string? nextToken = null;
            do
            {
                var body = Encoding.UTF8.GetBytes(FormBody(chunk, start, end, nextToken));
                AwsResponse response;
                try
                {
                    response = await Transport.PostAsync(GetMetricData, "/", body, FormContentType, amzTarget: null, cancellationToken);
                }
                catch (AwsApiException ex) when (ex.HttpStatus == 403 || ex.ErrorCode is "AccessDenied" or "AccessDeniedException")
                {
                    // Name the IAM action even when AWS's message does not, so the run says what to grant.
                    throw new AwsApiException(ServiceName, GetMetricData.Name, $"{ex.Message[(ex.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..]} (the credentials need {GetMetricData.IamAction})",
                        ex.HttpStatus, ex.ErrorCode, ex.RequestId, ex);
                }

                IReadOnlyList<MetricSeries> page;
                try
                {
                    (page, nextToken) = CloudWatchResponseParser.Parse(response.Body);
                }
                catch (Exception ex) when (ex is XmlException or UnexpectedResponseException)
                {
                    throw new AwsApiException(ServiceName, GetMetricData.Name, $"unexpected response: {ex.Message}", response.Status, requestId: response.RequestId, inner: ex);
                }

                foreach (var s in page)
                {
                    if (!series.TryGetValue(s.Id, out var acc))
                    {
                        throw new AwsApiException(ServiceName, GetMetricData.Name, $"unexpected response: a result for query id '{s.Id}', which was not asked for", response.Status, requestId: response.RequestId);
                    }

                    acc.Points.AddRange(s.Points);
                    series[s.Id] = (s.Label ?? acc.Label, s.StatusCode == "Complete" ? acc.Status : s.StatusCode, acc.Points);
                }

                if (nextToken is not null && !seenTokens.Add(nextToken))
                {
                    throw new AwsApiException(ServiceName, GetMetricData.Name, $"unexpected response: NextToken '{nextToken}' was returned twice");
                }
            }
            while (nextToken is not null);

            results.AddRange(chunk.Select(q => series[q.Id]).Zip(chunk, (acc, q) =>
                new MetricSeries(q.Id, acc.Label, acc.Status, acc.Points.OrderBy(p => p.Timestamp).ToList())));
        }

        return results;
    }

    /// <summary>The Query protocol form: list members as Name.member.N (1-based), timestamps ISO 8601 UTC.</summary>
    internal static string FormBody(IReadOnlyList<MetricStatQuery> queries, DateTimeOffset start, DateTimeOffset end, string? nextToken)
    {
        var fields = new List<(string, string)>
        {
            ("Action", GetMetricData.Name),
            ("Version", ApiVersion),
            ("StartTime", Iso(start)),
            ("EndTime", Iso(end)),
            ("ScanBy", "TimestampAscending"),
        };
        for (var i = 0; i < queries.Count; i++)
        {
            var q = queries[i];
            var p = string.Create(CultureInfo.InvariantCulture, $"MetricDataQueries.member.{i + 1}.");
            fields.Add((p + "Id", q.Id));
            fields.Add((p + "MetricStat.Metric.Namespace", q.Namespace));
            fields.Add((p + "MetricStat.Metric.MetricName", q.MetricName));
            for (var d = 0; d < q.Dimensions.Count; d++)
            {
                var dp = string.Create(CultureInfo.InvariantCulture, $"{p}MetricStat.Metric.Dimensions.member.{d + 1}.");
                fields.Add((dp + "Name", q.Dimensions[d].Key));
                fields.Add((dp + "Value", q.Dimensions[d].Value));
            }

            fields.Add((p + "MetricStat.Period", q.PeriodSeconds.ToString(CultureInfo.InvariantCulture)));
            fields.Add((p + "MetricStat.Stat", q.Stat));
            fields.Add((p + "ReturnData", "true"));
        }

        if (nextToken is not null)
        {
            fields.Add(("NextToken", nextToken));
        }

        return string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f.Item1)}={Uri.EscapeDataString(f.Item2)}"));
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>Reads a GetMetricDataResponse strictly: the expected elements, equal counts of timestamps and values.</summary>
internal static class CloudWatchResponseParser
{
    private static readonly XNamespace Ns = CloudWatchApiClient.XmlNamespace;

    public static (IReadOnlyList<MetricSeries> Series, string? NextToken) Parse(byte[] body)
    {
        var document = XDocument.Parse(Encoding.UTF8.GetString(body));
        var root = document.Root;
        if (root is null || root.Name != Ns + "GetMetricDataResponse")
        {
            throw new UnexpectedResponseException($"the root element is {root?.Name.ToString() ?? "missing"}, not GetMetricDataResponse");
        }

        var result = root.Element(Ns + "GetMetricDataResult") ?? throw new UnexpectedResponseException("GetMetricDataResult is missing");
        var series = new List<MetricSeries>();
        foreach (var member in result.Element(Ns + "MetricDataResults")?.Elements(Ns + "member") ?? [])
        {
            var id = member.Element(Ns + "Id")?.Value;
            if (string.IsNullOrEmpty(id))
            {
                throw new UnexpectedResponseException("a MetricDataResults member has no Id");
            }

            var times = (member.Element(Ns + "Timestamps")?.Elements(Ns + "member") ?? []).Select(e => Time(e.Value, id)).ToList();
            var values = (member.Element(Ns + "Values")?.Elements(Ns + "member") ?? []).Select(e => Number(e.Value, id)).ToList();
            if (times.Count != values.Count)
            {
                throw new UnexpectedResponseException($"query '{id}' has {times.Count} timestamps but {values.Count} values");
            }

            series.Add(new MetricSeries(
                id,
                member.Element(Ns + "Label")?.Value,
                member.Element(Ns + "StatusCode")?.Value ?? "Complete",
                times.Zip(values, (t, v) => new MetricPoint(t, v)).ToList()));
        }

        var next = result.Element(Ns + "NextToken")?.Value;
        return (series, string.IsNullOrEmpty(next) ? null : next);
    }

    private static DateTimeOffset Time(string text, string id) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : throw new UnexpectedResponseException($"query '{id}' has the timestamp '{text}', which is not ISO 8601");

    private static double Number(string text, string id) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new UnexpectedResponseException($"query '{id}' has the value '{text}', which is not a number");
}
