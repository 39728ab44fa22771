using System.Globalization;
using System.Text;
using System.Text.Json;
using BatchInsights.Sandbox.Simulation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace BatchInsights.Sandbox.Protocols;

/// <summary>AWS Batch's REST-JSON protocol (POST /v1/&lt;operation&gt;), shaped as botocore's batch/2016-08-10 model.</summary>
internal static class BatchRestJson
{
    public static void MapBatch(this IEndpointRouteBuilder app, BatchAccount account)
    {
        app.MapPost("/v1/describecomputeenvironments", ctx => Handle(ctx, account, DescribeComputeEnvironments));
        app.MapPost("/v1/describejobqueues", ctx => Handle(ctx, account, DescribeJobQueues));
        app.MapPost("/v1/describejobdefinitions", ctx => Handle(ctx, account, DescribeJobDefinitions));
        app.MapPost("/v1/listjobs", ctx => Handle(ctx, account, ListJobs));
        app.MapPost("/v1/describejobs", ctx => Handle(ctx, account, DescribeJobs));
        app.MapPost("/v1/updatecomputeenvironment", ctx => Handle(ctx, account, UpdateComputeEnvironment));
    }

    private static async Task Handle(HttpContext ctx, BatchAccount account, Func<BatchAccount, JsonElement, Action<Utf8JsonWriter>> op)
    {
        JsonElement body;
        try
        {
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body, default, ctx.RequestAborted);
            body = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            body = default;
            if (ctx.Request.ContentLength is > 0)
            {
                await AwsJson.WriteErrorAsync(ctx, 400, "SerializationException", "The request body is not valid JSON.");
                return;
            }
        }

        Action<Utf8JsonWriter> write;
        try
        {
            write = op(account, body);
        }
        catch (BatchClientException ex)
        {
            await AwsJson.WriteErrorAsync(ctx, 400, "ClientException", ex.Message);
            return;
        }

        await AwsJson.WriteAsync(ctx, 200, write);
    }

    private static (int Offset, int Size) Page(JsonElement body, int max, string what)
    {
        var maxResults = body.GetInt("maxResults");
        if (maxResults is { } m && (m < 1 || m > max)) throw new BatchClientException($"maxResults must be between 1 and {max}, not {m}.");
        var token = body.GetString("nextToken");
        var offset = 0;
        if (token is not null)
        {
            string text;
            try
            {
                text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                text = "";
            }

            if (!text.StartsWith(what + "|", StringComparison.Ordinal) || !int.TryParse(text.AsSpan(what.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                throw new BatchClientException("Invalid nextToken.");
        }

        return (offset, maxResults ?? max);
    }

    private static string OffsetToken(string what, int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{what}|{offset.ToString(CultureInfo.InvariantCulture)}"));

    private static Action<Utf8JsonWriter> DescribeComputeEnvironments(BatchAccount account, JsonElement body)
    {
        var names = body.GetStringList("computeEnvironments");
        if (names is { Count: > 100 }) throw new BatchClientException("computeEnvironments can list at most 100 names.");
        var (offset, size) = Page(body, 100, "ce");
        var now = account.NowMs;
        var all = account.ComputeEnvironments.Where(c => names is null || names.Contains(c.Name) || names.Contains(c.Arn)).ToList();
        var page = all.Skip(offset).Take(size).ToList();
        return w =>
        {
            w.WriteStartArray("computeEnvironments");
            foreach (var ce in page)
            {
                var cfg = ce.Current;
                w.WriteStartObject();
                w.WriteString("computeEnvironmentName", ce.Name);
                w.WriteString("computeEnvironmentArn", ce.Arn);
                w.WriteString("ecsClusterArn", ce.EcsClusterArn);
                w.WriteMap("tags", ce.Tags);
                w.WriteString("type", "MANAGED");
                w.WriteString("state", cfg.State);
                var status = account.CeStatusAt(ce, now);
                w.WriteString("status", status);
                w.WriteString("statusReason", status == "VALID" ? "ComputeEnvironment Healthy" : "ComputeEnvironment is being updated");
                w.WriteStartObject("computeResources");
                w.WriteString("type", ce.ResourceType);
                if (cfg.AllocationStrategy is not null) w.WriteString("allocationStrategy", cfg.AllocationStrategy);
                w.WriteNumber("minvCpus", cfg.MinvCpus);
                w.WriteNumber("maxvCpus", cfg.MaxvCpus);
                if (!ce.IsFargate)
                {
                    w.WriteNumber("desiredvCpus", cfg.DesiredvCpus);
                    w.WriteStringArray("instanceTypes", cfg.InstanceTypeEntries);
                }

                w.WriteStringArray("subnets", ce.Subnets);
                w.WriteStringArray("securityGroupIds", ce.SecurityGroupIds);
                if (!ce.IsFargate)
                {
                    w.WriteString("instanceRole", ce.InstanceRole);
                    w.WriteMap("tags", ce.Tags);
                    w.WriteStartArray("ec2Configuration");
                    w.WriteStartObject();
                    w.WriteString("imageType", ce.Current.Types.Any(t => t.Gpus > 0) ? "ECS_AL2_NVIDIA" : "ECS_AL2");
                    w.WriteEndObject();
                    w.WriteEndArray();
                }

                if (cfg.BidPercentage is { } bid) w.WriteNumber("bidPercentage", bid);
                w.WriteEndObject();
                w.WriteString("serviceRole", ce.ServiceRole);
                w.WriteStartObject("updatePolicy");
                w.WriteBoolean("terminateJobsOnUpdate", false);
                w.WriteNumber("jobExecutionTimeoutMinutes", 30);
                w.WriteEndObject();
                w.WriteString("containerOrchestrationType", "ECS");
                w.WriteString("uuid", ce.Uuid);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (offset + size < all.Count) w.WriteString("nextToken", OffsetToken("ce", offset + size));
        };
    }

    private static Action<Utf8JsonWriter> DescribeJobQueues(BatchAccount account, JsonElement body)
    {
        var names = body.GetStringList("jobQueues");
        if (names is { Count: > 100 }) throw new BatchClientException("jobQueues can list at most 100 names.");
        var (offset, size) = Page(body, 100, "jq");
        var all = account.Queues.Where(q => names is null || names.Contains(q.Name) || names.Contains(q.Arn)).ToList();
        var page = all.Skip(offset).Take(size).ToList();
        return w =>
        {
            w.WriteStartArray("jobQueues");
            foreach (var q in page)
            {
                w.WriteStartObject();
                w.WriteString("jobQueueName", q.Name);
                w.WriteString("jobQueueArn", q.Arn);
                w.WriteString("state", q.State);
                w.WriteString("status", "VALID");
                w.WriteString("statusReason", "JobQueue Healthy");
                w.WriteNumber("priority", q.Priority);
                w.WriteStartArray("computeEnvironmentOrder");
                for (var i = 0; i < q.CeOrder.Length; i++)
                {
                    w.WriteStartObject();
                    w.WriteNumber("order", i + 1);
                    w.WriteString("computeEnvironment", account.ComputeEnvironments[q.CeOrder[i]].Arn);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteString("jobQueueType", account.ComputeEnvironments[q.CeOrder[0]].IsFargate ? "ECS_FARGATE" : "ECS");
                w.WriteMap("tags", q.Tags);
                w.WriteStartArray("jobStateTimeLimitActions");
                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (offset + size < all.Count) w.WriteString("nextToken", OffsetToken("jq", offset + size));
        };
    }

    private static Action<Utf8JsonWriter> DescribeJobDefinitions(BatchAccount account, JsonElement body)
    {
        var wanted = body.GetStringList("jobDefinitions");
        if (wanted is { Count: > 100 }) throw new BatchClientException("jobDefinitions can list at most 100 entries.");
        var name = body.GetString("jobDefinitionName");
        var status = body.GetString("status");
        var (offset, size) = Page(body, 100, "jd");
        var all = account.JobDefinitions.Where(d =>
                (wanted is null || wanted.Contains(d.Name) || wanted.Contains(d.Arn) || wanted.Contains($"{d.Name}:{d.Spec.Revision}"))
                && (name is null || name == d.Name)
                && (status is null || status == "ACTIVE"))
            .ToList();
        var page = all.Skip(offset).Take(size).ToList();
        return w =>
        {
            w.WriteStartArray("jobDefinitions");
            foreach (var d in page)
            {
                w.WriteStartObject();
                w.WriteString("jobDefinitionName", d.Name);
                w.WriteString("jobDefinitionArn", d.Arn);
                w.WriteNumber("revision", d.Spec.Revision);
                w.WriteString("status", "ACTIVE");
                w.WriteString("type", d.Spec.Type);
                w.WriteStartObject("parameters");
                w.WriteEndObject();
                w.WriteStartObject("retryStrategy");
                w.WriteNumber("attempts", d.Spec.RetryAttempts);
                w.WriteStartArray("evaluateOnExit");
                w.WriteEndArray();
                w.WriteEndObject();
                if (d.IsMultinode)
                {
                    w.WriteStartObject("nodeProperties");
                    w.WriteNumber("numNodes", d.Spec.NumNodes);
                    w.WriteNumber("mainNode", 0);
                    w.WriteStartArray("nodeRangeProperties");
                    w.WriteStartObject();
                    w.WriteString("targetNodes", "0:");
                    w.WriteStartObject("container");
                    WriteContainerProperties(w, account, d, d.Spec.Vcpus, d.Spec.MemoryMiB, d.Spec.Gpus);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteStartObject("containerProperties");
                    WriteContainerProperties(w, account, d, d.Spec.Vcpus, d.Spec.MemoryMiB, d.Spec.Gpus);
                    w.WriteEndObject();
                }

                w.WriteMap("tags", d.Spec.Tags);
                w.WriteBoolean("propagateTags", false);
                w.WriteStringArray("platformCapabilities", d.Spec.PlatformCapabilities);
                w.WriteString("containerOrchestrationType", "ECS");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (offset + size < all.Count) w.WriteString("nextToken", OffsetToken("jd", offset + size));
        };
    }

    /// <summary>Definition defaults; submissions override them per job (the trace decides each job's shape).</summary>
    private static void WriteContainerProperties(Utf8JsonWriter w, BatchAccount account, JobDefinitionInfo d, int? vcpus, int? memory, int? gpus)
    {
        w.WriteString("image", d.Spec.Image);
        w.WriteStringArray("command", ["/bin/sh", "-c", $"run-{d.Name}"]);
        w.WriteString("jobRoleArn", $"arn:aws:iam::{account.AccountId}:role/{d.Name}-job-role");
        if (d.IsFargate) w.WriteString("executionRoleArn", $"arn:aws:iam::{account.AccountId}:role/ecsTaskExecutionRole");
        WriteResourceRequirements(w, vcpus ?? (d.IsFargate ? 1 : 2), memory ?? 2048, gpus ?? 0);
        w.WriteStartObject("logConfiguration");
        w.WriteString("logDriver", "awslogs");
        w.WriteEndObject();
    }

    private static void WriteResourceRequirements(Utf8JsonWriter w, int vcpus, int memory, int gpus)
    {
        w.WriteStartArray("resourceRequirements");
        Requirement("VCPU", vcpus);
        Requirement("MEMORY", memory);
        if (gpus > 0) Requirement("GPU", gpus);
        w.WriteEndArray();

        void Requirement(string type, int value)
        {
            w.WriteStartObject();
            w.WriteString("value", value.ToString(CultureInfo.InvariantCulture));
            w.WriteString("type", type);
            w.WriteEndObject();
        }
    }

    private static Action<Utf8JsonWriter> ListJobs(BatchAccount account, JsonElement body)
    {
        var filters = new List<ListJobsFilter>();
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("filters", out var f) && f.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in f.EnumerateArray())
            {
                filters.Add(new ListJobsFilter(item.GetString("name") ?? "", item.GetStringList("values") ?? []));
            }
        }

        var (jobs, next) = account.ListJobs(new ListJobsQuery(
            body.GetString("jobQueue"), body.GetString("arrayJobId"), body.GetString("multiNodeJobId"), body.GetString("jobStatus"),
            body.GetInt("maxResults"), body.GetString("nextToken"), filters));
        return w =>
        {
            w.WriteStartArray("jobSummaryList");
            foreach (var j in jobs)
            {
                w.WriteStartObject();
                w.WriteString("jobArn", j.JobArn);
                w.WriteString("jobId", j.JobId);
                w.WriteString("jobName", j.JobName);
                w.WriteNumber("createdAt", j.CreatedAt);
                w.WriteString("status", BatchAccount.StatusName(j.Status));
                if (j.StatusReason is not null) w.WriteString("statusReason", j.StatusReason);
                if (j.StartedAt is { } s) w.WriteNumber("startedAt", s);
                if (j.StoppedAt is { } e) w.WriteNumber("stoppedAt", e);
                if (j.Kind != JobKind.ArrayParent && (j.ExitCode is not null || j.ContainerReason is not null))
                {
                    w.WriteStartObject("container");
                    if (j.ExitCode is { } code) w.WriteNumber("exitCode", code);
                    if (j.ContainerReason is not null) w.WriteString("reason", j.ContainerReason);
                    w.WriteEndObject();
                }

                if (j.ArraySize is { } size || j.ArrayIndex is not null)
                {
                    w.WriteStartObject("arrayProperties");
                    if (j.ArraySize is { } sz) w.WriteNumber("size", sz);
                    if (j.ArrayIndex is { } ix) w.WriteNumber("index", ix);
                    w.WriteEndObject();
                }

                if (j.NumNodes is { } nodes)
                {
                    w.WriteStartObject("nodeProperties");
                    w.WriteNumber("numNodes", nodes);
                    if (j.NodeIndex is { } node)
                    {
                        w.WriteBoolean("isMainNode", node == 0);
                        w.WriteNumber("nodeIndex", node);
                    }

                    w.WriteEndObject();
                }

                w.WriteString("jobDefinition", j.Definition.Arn);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (next is not null) w.WriteString("nextToken", next);
        };
    }

    private static Action<Utf8JsonWriter> DescribeJobs(BatchAccount account, JsonElement body)
    {
        var ids = body.GetStringList("jobs") ?? throw new BatchClientException("jobs is required.");
        // AWS's limit and wording for DescribeJobs.
        if (ids.Count > 100) throw new BatchClientException("Expected a list of at most 100 job IDs.");
        var jobs = account.DescribeJobs(ids);
        return w =>
        {
            w.WriteStartArray("jobs");
            foreach (var j in jobs) WriteJobDetail(w, account, j);
            w.WriteEndArray();
        };
    }

    private static void WriteJobDetail(Utf8JsonWriter w, BatchAccount account, JobView j)
    {
        var d = j.Definition;
        w.WriteStartObject();
        w.WriteString("jobArn", j.JobArn);
        w.WriteString("jobName", j.JobName);
        w.WriteString("jobId", j.JobId);
        w.WriteString("jobQueue", j.JobQueueArn);
        w.WriteString("status", BatchAccount.StatusName(j.Status));
        w.WriteStartArray("attempts");
        foreach (var a in j.Attempts)
        {
            w.WriteStartObject();
            w.WriteStartObject("container");
            if (a.ContainerInstanceArn is not null) w.WriteString("containerInstanceArn", a.ContainerInstanceArn);
            w.WriteString("taskArn", a.TaskArn);
            if (a.ExitCode is { } code) w.WriteNumber("exitCode", code);
            if (a.Reason is not null) w.WriteString("reason", a.Reason);
            w.WriteString("logStreamName", a.LogStreamName);
            w.WriteStartArray("networkInterfaces");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteNumber("startedAt", a.StartedAt);
            w.WriteNumber("stoppedAt", a.StoppedAt);
            w.WriteString("statusReason", a.StatusReason);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (j.StatusReason is not null) w.WriteString("statusReason", j.StatusReason);
        w.WriteNumber("createdAt", j.CreatedAt);
        w.WriteStartObject("retryStrategy");
        w.WriteNumber("attempts", d.Spec.RetryAttempts);
        w.WriteEndObject();
        if (j.StartedAt is { } started) w.WriteNumber("startedAt", started);
        if (j.StoppedAt is { } stopped) w.WriteNumber("stoppedAt", stopped);
        w.WriteStartArray("dependsOn");
        w.WriteEndArray();
        w.WriteString("jobDefinition", d.Arn);
        w.WriteStartObject("parameters");
        w.WriteEndObject();

        if (j.Kind == JobKind.MultiNode)
        {
            w.WriteStartObject("nodeProperties");
            w.WriteNumber("numNodes", j.NumNodes ?? 1);
            w.WriteNumber("mainNode", 0);
            w.WriteStartArray("nodeRangeProperties");
            w.WriteStartObject();
            w.WriteString("targetNodes", "0:");
            w.WriteStartObject("container");
            w.WriteString("image", d.Spec.Image);
            WriteResourceRequirements(w, j.Vcpus, j.MemoryMiB, j.Gpus);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        else
        {
            w.WriteStartObject("container");
            w.WriteString("image", d.Spec.Image);
            w.WriteStringArray("command", ["/bin/sh", "-c", $"run-{d.Name}"]);
            w.WriteString("jobRoleArn", $"arn:aws:iam::{account.AccountId}:role/{d.Name}-job-role");
            if (j.ExitCode is { } exit) w.WriteNumber("exitCode", exit);
            if (j.ContainerReason is not null) w.WriteString("reason", j.ContainerReason);
            if (j.ContainerInstanceArn is not null) w.WriteString("containerInstanceArn", j.ContainerInstanceArn);
            if (j.TaskArn is not null) w.WriteString("taskArn", j.TaskArn);
            if (j.LogStreamName is not null) w.WriteString("logStreamName", j.LogStreamName);
            WriteResourceRequirements(w, j.Vcpus, j.MemoryMiB, j.Gpus);
            w.WriteStartObject("logConfiguration");
            w.WriteString("logDriver", "awslogs");
            w.WriteEndObject();
            w.WriteEndObject();
        }

        if (j.NodeIndex is { } node)
        {
            w.WriteStartObject("nodeDetails");
            w.WriteNumber("nodeIndex", node);
            w.WriteBoolean("isMainNode", node == 0);
            w.WriteEndObject();
        }

        if (j.ArraySize is { } size)
        {
            w.WriteStartObject("arrayProperties");
            if (j.ArrayStatusSummary is { } summary)
            {
                w.WriteStartObject("statusSummary");
                foreach (var (k, v) in summary) w.WriteNumber(k, v);
                w.WriteEndObject();
            }

            w.WriteNumber("size", size);
            w.WriteEndObject();
        }
        else if (j.ArrayIndex is { } index)
        {
            w.WriteStartObject("arrayProperties");
            w.WriteNumber("index", index);
            w.WriteEndObject();
        }

        w.WriteMap("tags", j.Tags);
        w.WriteBoolean("propagateTags", false);
        w.WriteStringArray("platformCapabilities", d.Spec.PlatformCapabilities);
        w.WriteEndObject();
    }

    private static Action<Utf8JsonWriter> UpdateComputeEnvironment(BatchAccount account, JsonElement body)
    {
        var name = body.GetString("computeEnvironment") ?? throw new BatchClientException("computeEnvironment is required.");
        var ce = account.FindComputeEnvironment(name) ?? throw new BatchClientException($"Compute environment {name} does not exist.");
        JsonElement cr = default;
        var hasResources = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("computeResources", out cr) && cr.ValueKind == JsonValueKind.Object;
        var error = account.UpdateComputeEnvironment(
            ce,
            body.GetString("state"),
            hasResources ? cr.GetStringList("instanceTypes") : null,
            hasResources ? cr.GetInt("minvCpus") : null,
            hasResources ? cr.GetInt("desiredvCpus") : null,
            hasResources ? cr.GetInt("maxvCpus") : null,
            hasResources ? cr.GetInt("bidPercentage") : null,
            hasResources ? cr.GetString("allocationStrategy") : null);
        if (error is not null) throw new BatchClientException(error);
        return w =>
        {
            w.WriteString("computeEnvironmentName", ce.Name);
            w.WriteString("computeEnvironmentArn", ce.Arn);
        };
    }
}
