using System.Globalization;
using System.Text.Json;

namespace BatchInsights.Core.Aws;

/// <summary>
/// <see cref="IEcsApi"/> over AWS JSON 1.1 (POST /, X-Amz-Target AmazonEC2ContainerServiceV20141113.*) on our
/// <see cref="AwsJsonTransport"/>: SigV4 for service "ecs", the target's ECS rate budget, retries on
/// ThrottlingException/5xx. Access denied is reported naming the permission the credentials lack.
/// </summary>
public sealed class EcsApiClient : AwsTargetClient, IEcsApi
{
    public const string ServiceName = "ECS";
    public const string SigningName = "ecs";

    /// <summary>DescribeContainerInstances takes at most 100 container instances per call.</summary>
    public const int MaxPerCall = 100;

    internal const string TargetPrefix = "AmazonEC2ContainerServiceV20141113.";
    private static readonly AwsOperation DescribeContainerInstancesOperation = AwsOperation.Ecs.DescribeContainerInstances;
    private const string JsonContentType = "application/x-amz-json-1.1";

    /// <param name="endpoint">Null for https://ecs.{region}.amazonaws.com; the sandbox/moto URL otherwise.</param>
    public EcsApiClient(HttpClient httpClient, AwsTarget target, Uri? endpoint, AwsCredentialSource credentials, AwsCallPolicy policy, TokenBucket budget, TimeProvider? time = null)
        : base(httpClient, target, ServiceName, SigningName, "ecs", endpoint, credentials, policy, budget, time)
    {
    }

    public async Task<ContainerInstancesResult> DescribeContainerInstancesAsync(string cluster, IReadOnlyList<string> containerInstanceArns, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cluster);
        ArgumentNullException.ThrowIfNull(containerInstanceArns);
        var found = new List<ContainerInstanceSnapshot>();
        var failures = new List<ContainerInstanceFailure>();
        foreach (var batch in containerInstanceArns.Distinct(StringComparer.Ordinal).Chunk(MaxPerCall))
        {
            var body = RequestBody(cluster, batch);
            AwsResponse response;
            try
            {
                response = await Transport.PostAsync(DescribeContainerInstancesOperation, "/", body, JsonContentType, TargetPrefix + DescribeContainerInstancesOperation.Name, cancellationToken);
            }
            catch (AwsApiException ex) when (ex.ErrorCode is "AccessDeniedException" or "AccessDenied" || ex.HttpStatus == 403)
            {
                throw new AwsApiException(ServiceName, DescribeContainerInstancesOperation.Name,
                    $"{ex.Message} (the credentials need {DescribeContainerInstancesOperation.IamAction})", ex.HttpStatus, ex.ErrorCode, ex.RequestId, ex);
            }

            try
            {
                EcsResponseParser.Parse(response.Body, found, failures);
            }
            catch (Exception ex) when (ex is JsonException or UnexpectedResponseException)
            {
                throw new AwsApiException(ServiceName, DescribeContainerInstancesOperation.Name, $"unexpected response: {ex.Message}", response.Status, requestId: response.RequestId, inner: ex);
            }
        }

        return new ContainerInstancesResult(found, failures);
    }

    private static byte[] RequestBody(string cluster, IReadOnlyList<string> arns)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("cluster", cluster);
            writer.WriteStartArray("containerInstances");
            foreach (var arn in arns)
            {
                writer.WriteStringValue(arn);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}

/// <summary>Reads DescribeContainerInstances: containerInstances[] (with the ecs.instance-type / ecs.availability-zone attributes) and failures[].</summary>
internal static class EcsResponseParser
{
    public static void Parse(byte[] body, List<ContainerInstanceSnapshot> found, List<ContainerInstanceFailure> failures)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new UnexpectedResponseException("the response is not a JSON object");
        }

        foreach (var item in Array(root, "containerInstances"))
        {
            var arn = Text(item, "containerInstanceArn") ?? throw new UnexpectedResponseException("a container instance has no containerInstanceArn");
            string? type = null, zone = null;
            foreach (var attribute in Array(item, "attributes"))
            {
                switch (Text(attribute, "name"))
                {
                    case "ecs.instance-type":
                        type = Text(attribute, "value");
                        break;
                    case "ecs.availability-zone":
                        zone = Text(attribute, "value");
                        break;
                }
            }

            long? registeredAt = item.TryGetProperty("registeredAt", out var r) && r.ValueKind == JsonValueKind.Number
                ? (long)Math.Round(r.GetDouble() * 1000, MidpointRounding.AwayFromZero)
                : null;
            found.Add(new ContainerInstanceSnapshot(arn, Text(item, "ec2InstanceId"), type, zone, Text(item, "status"), registeredAt));
        }

        foreach (var item in Array(root, "failures"))
        {
            failures.Add(new ContainerInstanceFailure(Text(item, "arn"), Text(item, "reason"), Text(item, "detail")));
        }
    }

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.Array
                ? value.EnumerateArray()
                : throw new UnexpectedResponseException(string.Create(CultureInfo.InvariantCulture, $"{name} is not an array"))
            : [];

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
