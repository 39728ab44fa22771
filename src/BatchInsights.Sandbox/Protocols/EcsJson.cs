using System.Text.Json;
using BatchInsights.Sandbox.Simulation;
using Microsoft.AspNetCore.Http;

namespace BatchInsights.Sandbox.Protocols;

/// <summary>
/// Amazon ECS over JSON 1.1 (POST /, X-Amz-Target: AmazonEC2ContainerServiceV20141113.*): DescribeContainerInstances
/// on the clusters of the managed CEs (shapes from botocore ecs/2014-11-13).
/// </summary>
/// <remarks>
/// Retention: a container instance is ACTIVE while its EC2 instance runs; when the instance terminates ECS deregisters
/// it and it turns INACTIVE. ECS documents that INACTIVE container instances "may remain discoverable" for a while but
/// promises no period; we keep them describable for the scenario's inactiveContainerInstanceVisibleMinutes (default 60,
/// the same order as EC2's terminated-instance window and ECS's "stopped tasks remain for at least 1 hour"), after which
/// they come back in failures[] with reason MISSING — the case a harvester that runs late must handle.
/// </remarks>
internal static class EcsJson
{
    public const string TargetPrefix = "AmazonEC2ContainerServiceV20141113.";
    private const string ContentType = "application/x-amz-json-1.1";
    private const int MaxContainerInstances = 100;

    public static bool IsEcsRequest(HttpRequest request) =>
        request.Headers.TryGetValue("X-Amz-Target", out var target) && target.ToString().StartsWith(TargetPrefix, StringComparison.Ordinal);

    /// <summary>The operation name of an ECS request ("DescribeContainerInstances"), for the guards.</summary>
    public static string OperationOf(HttpRequest request) => request.Headers["X-Amz-Target"].ToString()[TargetPrefix.Length..];

    public static async Task HandleAsync(HttpContext ctx, BatchAccount account)
    {
        var operation = OperationOf(ctx.Request);
        if (operation != "DescribeContainerInstances")
        {
            await WriteErrorAsync(ctx, 400, "UnknownOperationException", $"The sandbox does not serve ECS {operation}.");
            return;
        }

        await AwsJson.RunJson11Async(ctx, WriteErrorAsync, request => DescribeContainerInstancesAsync(ctx, account, request));
    }

    private static async Task DescribeContainerInstancesAsync(HttpContext ctx, BatchAccount account, JsonElement request)
    {
        if (request.ValueKind != JsonValueKind.Object) throw new Json11ClientException("SerializationException", "The request body must be a JSON object.");
        var clusterText = request.GetString("cluster") ?? "default";
        IReadOnlyList<string> ids;
        try
        {
            ids = request.GetStringList("containerInstances") ?? [];
        }
        catch (BatchClientException ex)
        {
            throw new Json11ClientException("InvalidParameterException", ex.Message);
        }

        if (ids.Count == 0) throw new Json11ClientException("InvalidParameterException", "containerInstances can not be empty.");
        if (ids.Count > MaxContainerInstances)
            throw new Json11ClientException("InvalidParameterException", $"containerInstances can have at most {MaxContainerInstances} items.");
        var ce = account.ComputeEnvironments.FirstOrDefault(c => c.ClusterName == clusterText || c.EcsClusterArn == clusterText)
            ?? throw new Json11ClientException("ClusterNotFoundException", "Cluster not found.");

        var now = account.NowMs;
        var visibleFor = account.Scenario.InactiveContainerInstanceVisibleMinutes * 60_000L;
        var found = new List<(SimInstance Instance, string Status)>();
        var failures = new List<string>();
        foreach (var id in ids)
        {
            // An ARN names its cluster (new format); a bare id is looked up in the requested cluster.
            var marker = ":container-instance/";
            var at = id.IndexOf(marker, StringComparison.Ordinal);
            var (cluster, shortId) = at < 0 ? (ce.ClusterName, id) : SplitArnTail(id[(at + marker.Length)..], ce.ClusterName);
            var instance = cluster == ce.ClusterName ? account.FindInstanceByContainerId(cluster, shortId, now) : null;
            var status = instance is null ? null
                : now < instance.EndMs ? "ACTIVE"
                : now - instance.EndMs <= visibleFor ? "INACTIVE"
                : null;
            if (instance is null || status is null)
            {
                failures.Add(at < 0 ? $"arn:aws:ecs:{account.Region}:{account.AccountId}:container-instance/{ce.ClusterName}/{id}" : id);
                continue;
            }

            found.Add((instance, status));
        }

        var types = account.TypeTable.ToDictionary(t => t.Name, StringComparer.Ordinal);
        await AwsJson.WriteAsync(ctx, 200, w =>
        {
            w.WriteStartArray("containerInstances");
            foreach (var (i, status) in found)
            {
                var active = status == "ACTIVE";
                w.WriteStartObject();
                w.WriteString("containerInstanceArn", i.ContainerInstanceArn(account.Region, account.AccountId));
                w.WriteString("ec2InstanceId", i.InstanceId);
                w.WriteNumber("version", 3);
                w.WriteStartObject("versionInfo");
                w.WriteString("agentVersion", "1.86.3");
                w.WriteString("agentHash", "a9f7b6c4");
                w.WriteString("dockerVersion", "DockerVersion: 25.0.6");
                w.WriteEndObject();
                if (types.TryGetValue(i.InstanceType, out var type))
                {
                    // ECS registers vCPUs as 1024 CPU units each and a little less memory than the instance has.
                    w.WriteStartArray("registeredResources");
                    WriteResource(w, "CPU", type.Vcpus * 1024);
                    WriteResource(w, "MEMORY", (int)(type.MemoryMiB * 0.94));
                    w.WriteEndArray();
                }

                w.WriteString("status", status);
                if (!active) w.WriteString("statusReason", "Instance deregistered due to termination");
                w.WriteBoolean("agentConnected", active);
                w.WriteNumber("runningTasksCount", 0);
                w.WriteNumber("pendingTasksCount", 0);
                w.WriteStartArray("attributes");
                WriteAttribute(w, "ecs.instance-type", i.InstanceType);
                WriteAttribute(w, "ecs.availability-zone", i.Zone);
                WriteAttribute(w, "ecs.os-type", "linux");
                WriteAttribute(w, "ecs.cpu-architecture", "x86_64");
                w.WriteEndArray();
                // JSON 1.1 timestamps are epoch seconds.
                w.WriteNumber("registeredAt", i.RegisteredAtMs / 1000.0);
                w.WriteStartArray("attachments");
                w.WriteEndArray();
                w.WriteStartArray("tags");
                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("failures");
            foreach (var arn in failures)
            {
                w.WriteStartObject();
                w.WriteString("arn", arn);
                w.WriteString("reason", "MISSING");
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }, ContentType);
    }

    private static (string Cluster, string Id) SplitArnTail(string tail, string defaultCluster)
    {
        // Old-format ARNs have no cluster: container-instance/<id>.
        var slash = tail.LastIndexOf('/');
        return slash < 0 ? (defaultCluster, tail) : (tail[..slash], tail[(slash + 1)..]);
    }

    private static void WriteAttribute(Utf8JsonWriter w, string name, string value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("value", value);
        w.WriteEndObject();
    }

    private static void WriteResource(Utf8JsonWriter w, string name, int value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("type", "INTEGER");
        w.WriteNumber("doubleValue", 0.0);
        w.WriteNumber("longValue", 0);
        w.WriteNumber("integerValue", value);
        w.WriteEndObject();
    }

    /// <summary>ECS's JSON 1.1 error: x-amzn-ErrorType and {"__type","message"}.</summary>
    public static Task WriteErrorAsync(HttpContext ctx, int status, string type, string message) =>
        AwsJson.WriteErrorAsync(ctx, status, type, message);
}

