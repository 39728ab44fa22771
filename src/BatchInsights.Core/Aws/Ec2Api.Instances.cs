using System.Globalization;
using Amazon.EC2.Model;

namespace BatchInsights.Core.Aws;

public sealed partial class Ec2Api
{
    /// <summary>DescribeInstances' page size (5–1000).</summary>
    internal const int InstancesPageSize = 1000;

    public async Task<IReadOnlyList<Ec2InstanceSnapshot>> DescribeInstancesAsync(IReadOnlyList<Ec2Filter> filters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var results = new List<Ec2InstanceSnapshot>();
        string? nextToken = null;
        var seenTokens = new HashSet<string>(StringComparer.Ordinal);
        do
        {
            var request = new DescribeInstancesRequest
            {
                Filters = filters.Count == 0 ? null : filters.Select(f => new Filter(f.Name, [.. f.Values])).ToList(),
                MaxResults = InstancesPageSize,
                NextToken = nextToken,
            };
            var response = await CallAsync("DescribeInstances", ct => _client.DescribeInstancesAsync(request, ct), cancellationToken);
            foreach (var reservation in response.Reservations ?? [])
            {
                foreach (var instance in reservation.Instances ?? [])
                {
                    if (!string.IsNullOrEmpty(instance.InstanceId))
                    {
                        results.Add(Map(instance));
                    }
                }
            }

            nextToken = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
            if (nextToken is not null && !seenTokens.Add(nextToken))
            {
                throw new AwsApiException(ServiceName, "DescribeInstances", $"unexpected response: NextToken '{nextToken}' was returned twice");
            }
        }
        while (nextToken is not null);

        return results;
    }

    internal static Ec2InstanceSnapshot Map(Instance instance)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in instance.Tags ?? [])
        {
            if (tag.Key is { } key)
            {
                tags[key] = tag.Value ?? "";
            }
        }

        return new Ec2InstanceSnapshot(
            instance.InstanceId,
            instance.InstanceType?.Value ?? "",
            instance.Placement?.AvailabilityZone,
            string.IsNullOrEmpty(instance.InstanceLifecycle?.Value) ? null : instance.InstanceLifecycle.Value,
            instance.LaunchTime is { } launch ? new DateTimeOffset(AsUtc(launch)).ToUnixTimeMilliseconds() : null,
            instance.State?.Name?.Value ?? "unknown",
            string.IsNullOrEmpty(instance.StateReason?.Code) ? null : instance.StateReason.Code,
            string.IsNullOrEmpty(instance.StateReason?.Message) ? null : instance.StateReason.Message,
            string.IsNullOrEmpty(instance.StateTransitionReason) ? null : instance.StateTransitionReason,
            tags);
    }

    /// <summary>The time in "User initiated (2026-11-26 10:00:00 GMT)"; null when the text carries none.</summary>
    public static long? TransitionTimeMs(string? stateTransitionReason)
    {
        if (stateTransitionReason is null)
        {
            return null;
        }

        var open = stateTransitionReason.LastIndexOf('(');
        var close = stateTransitionReason.LastIndexOf(')');
        if (open < 0 || close <= open)
        {
            return null;
        }

        var text = stateTransitionReason[(open + 1)..close].Replace(" GMT", "", StringComparison.Ordinal);
        return DateTime.TryParseExact(text, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? new DateTimeOffset(t).ToUnixTimeMilliseconds()
            : null;
    }
}
