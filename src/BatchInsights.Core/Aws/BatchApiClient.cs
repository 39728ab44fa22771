using System.Text.Json;

namespace BatchInsights.Core.Aws;

/// <summary>
/// Our small AWS Batch client over REST-JSON (AWSSDK.Batch is not available here). Shaped like the
/// calls the app needs, so AWSSDK.Batch could replace the transport later without touching callers.
/// One instance per account + region; the <see cref="TokenBucket"/> is shared per target.
/// </summary>
public sealed class BatchApiClient : AwsTargetClient, IBatchApi
{
    public const string ServiceName = "Batch";
    public const string SigningName = "batch";

    /// <summary>Page size of the Describe* calls (their maximum).</summary>
    internal const int DescribePageSize = 100;

    /// <summary>DescribeJobs accepts at most 100 ids per call.</summary>
    internal const int DescribeJobsChunk = 100;

    private const string JsonContentType = "application/json";

    /// <param name="httpClient">From IHttpClientFactory in the app; any HttpClient in tests.</param>
    /// <param name="endpoint">Null for https://batch.{region}.amazonaws.com; the sandbox/moto URL otherwise.</param>
    public BatchApiClient(
        HttpClient httpClient,
        AwsTarget target,
        Uri? endpoint,
        AwsCredentialSource credentials,
        AwsCallPolicy policy,
        TokenBucket budget,
        TimeProvider? time = null)
        : this(httpClient, target, endpoint, credentials, policy, budget, time ?? TimeProvider.System, random: null)
    {
    }

    internal BatchApiClient(
        HttpClient httpClient,
        AwsTarget target,
        Uri? endpoint,
        AwsCredentialSource credentials,
        AwsCallPolicy policy,
        TokenBucket budget,
        TimeProvider time,
        Func<double>? random)
        : base(httpClient, target, ServiceName, SigningName, SigningName, endpoint, credentials, policy, budget, time, random)
    {
    }

    public Uri Endpoint => Transport.Endpoint;

    public static Uri DefaultEndpoint(string region) => new($"https://batch.{region}.amazonaws.com");

    public Task<IReadOnlyList<ComputeEnvironmentSnapshot>> DescribeComputeEnvironmentsAsync(CancellationToken cancellationToken) =>
        DescribeAllAsync(AwsOperation.Batch.DescribeComputeEnvironments, BatchResponseParser.ComputeEnvironments, cancellationToken);

    public Task<IReadOnlyList<JobQueueSnapshot>> DescribeJobQueuesAsync(CancellationToken cancellationToken) =>
        DescribeAllAsync(AwsOperation.Batch.DescribeJobQueues, BatchResponseParser.JobQueues, cancellationToken);

    public Task<IReadOnlyList<JobDefinitionSnapshot>> DescribeJobDefinitionsAsync(CancellationToken cancellationToken) =>
        DescribeAllAsync(AwsOperation.Batch.DescribeJobDefinitions, BatchResponseParser.JobDefinitions, cancellationToken);

    public async Task<JobListPage> ListJobsAsync(ListJobsQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (string.IsNullOrEmpty(query.JobQueue) == string.IsNullOrEmpty(query.ArrayJobId))
        {
            throw new ArgumentException("ListJobs needs exactly one of JobQueue or ArrayJobId.", nameof(query));
        }

        if (string.IsNullOrEmpty(query.FilterName) != string.IsNullOrEmpty(query.FilterValue))
        {
            throw new ArgumentException("ListJobs needs both FilterName and FilterValue, or neither.", nameof(query));
        }

        var body = Json(writer =>
        {
            WriteIfSet(writer, "jobQueue", query.JobQueue);
            WriteIfSet(writer, "arrayJobId", query.ArrayJobId);
            WriteIfSet(writer, "jobStatus", query.JobStatus);
            if (!string.IsNullOrEmpty(query.FilterName))
            {
                writer.WriteStartArray("filters");
                writer.WriteStartObject();
                writer.WriteString("name", query.FilterName);
                writer.WriteStartArray("values");
                writer.WriteStringValue(query.FilterValue);
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteEndArray();
            }

            if (query.MaxResults is { } max)
            {
                writer.WriteNumber("maxResults", max);
            }

            WriteIfSet(writer, "nextToken", query.NextToken);
        });

        return await CallAsync(AwsOperation.Batch.ListJobs, body, (document, _) => BatchResponseParser.JobList(document), cancellationToken);
    }

    public async Task<IReadOnlyList<JobSnapshot>> DescribeJobsAsync(IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        var ids = jobIds.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToList();
        var jobs = new List<JobSnapshot>(ids.Count);
        foreach (var chunk in ids.Chunk(DescribeJobsChunk))
        {
            var body = Json(writer =>
            {
                writer.WriteStartArray("jobs");
                foreach (var id in chunk)
                {
                    writer.WriteStringValue(id);
                }

                writer.WriteEndArray();
            });
            jobs.AddRange(await CallAsync(AwsOperation.Batch.DescribeJobs, body, (document, _) => BatchResponseParser.Jobs(document), cancellationToken));
        }

        return jobs;
    }

    public async Task<ComputeEnvironmentUpdateResult> UpdateComputeEnvironmentAsync(ComputeEnvironmentUpdate update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentException.ThrowIfNullOrEmpty(update.ComputeEnvironment);
        var hasResources = update.MinvCpus is not null || update.MaxvCpus is not null || update.DesiredvCpus is not null
            || update.InstanceTypes is not null || update.BidPercentage is not null || update.AllocationStrategy is not null;
        var body = Json(writer =>
        {
            writer.WriteString("computeEnvironment", update.ComputeEnvironment);
            WriteIfSet(writer, "state", update.State);
            if (hasResources)
            {
                writer.WriteStartObject("computeResources");
                WriteIfSet(writer, "minvCpus", update.MinvCpus);
                WriteIfSet(writer, "maxvCpus", update.MaxvCpus);
                WriteIfSet(writer, "desiredvCpus", update.DesiredvCpus);
                if (update.InstanceTypes is not null)
                {
                    writer.WriteStartArray("instanceTypes");
                    foreach (var type in update.InstanceTypes)
                    {
                        writer.WriteStringValue(type);
                    }

                    writer.WriteEndArray();
                }

                WriteIfSet(writer, "bidPercentage", update.BidPercentage);
                WriteIfSet(writer, "allocationStrategy", update.AllocationStrategy);
                writer.WriteEndObject();
            }

            if (update.UpdatePolicy is { } policy)
            {
                writer.WriteStartObject("updatePolicy");
                writer.WriteBoolean("terminateJobsOnUpdate", policy.TerminateJobsOnUpdate);
                writer.WriteNumber("jobExecutionTimeoutMinutes", policy.JobExecutionTimeoutMinutes);
                writer.WriteEndObject();
            }
        });

        return await CallAsync(AwsOperation.Batch.UpdateComputeEnvironment, body, BatchResponseParser.UpdateResult, cancellationToken);
    }

    private async Task<IReadOnlyList<T>> DescribeAllAsync<T>(
        AwsOperation operation,
        Func<JsonDocument, (List<T> Items, string? NextToken)> parse,
        CancellationToken cancellationToken)
    {
        var all = new List<T>();
        var seenTokens = new HashSet<string>(StringComparer.Ordinal);
        string? nextToken = null;
        do
        {
            var token = nextToken;
            var body = Json(writer =>
            {
                writer.WriteNumber("maxResults", DescribePageSize);
                WriteIfSet(writer, "nextToken", token);
            });
            var (items, next) = await CallAsync(operation, body, (document, _) => parse(document), cancellationToken);
            all.AddRange(items);
            nextToken = string.IsNullOrEmpty(next) ? null : next;
            if (nextToken is not null && !seenTokens.Add(nextToken))
            {
                // A server that hands out the same token again would make us loop forever.
                throw new AwsApiException(ServiceName, operation.Name, $"unexpected response: nextToken '{nextToken}' was returned twice");
            }
        }
        while (nextToken is not null);

        return all;
    }

    private async Task<T> CallAsync<T>(AwsOperation operation, byte[] body, Func<JsonDocument, string?, T> parse, CancellationToken cancellationToken)
    {
        var path = "/v1/" + operation.Name.ToLowerInvariant();
        var response = await Transport.PostAsync(operation, path, body, JsonContentType, amzTarget: null, cancellationToken);
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            return parse(document, response.RequestId);
        }
        catch (JsonException ex)
        {
            throw new AwsApiException(ServiceName, operation.Name, $"unexpected response: not valid JSON ({ex.Message})", response.Status, requestId: response.RequestId, inner: ex);
        }
        catch (UnexpectedResponseException ex)
        {
            throw new AwsApiException(ServiceName, operation.Name, $"unexpected response: {ex.Message}", response.Status, requestId: response.RequestId, inner: ex);
        }
    }

    private static byte[] Json(Action<Utf8JsonWriter> writeMembers)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeMembers(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
    }
}
