using System.Globalization;
using System.Text;

namespace BatchInsights.Sandbox.Simulation;

internal sealed partial class BatchAccount
{
    private static readonly string[] StatusNames = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED"];

    internal static string StatusName(JobState s) => StatusNames[(int)s];

    public ComputeEnvironment? FindComputeEnvironment(string nameOrArn) =>
        ComputeEnvironments.FirstOrDefault(c => c.Name == nameOrArn || c.Arn == nameOrArn);

    public JobQueue? FindQueue(string nameOrArn) => Queues.FirstOrDefault(q => q.Name == nameOrArn || q.Arn == nameOrArn);

    /// <summary>Jobs by id (top-level, "parent:index" array children, "job#node" MNP nodes); unknown ids are omitted.</summary>
    public IReadOnlyList<JobView> DescribeJobs(IReadOnlyList<string> ids)
    {
        var now = NowMs;
        EnsureGenerated(now);
        _lock.EnterReadLock();
        try
        {
            var result = new List<JobView>(ids.Count);
            foreach (var id in ids)
            {
                var view = Describe(id, now);
                if (view is not null) result.Add(view);
            }

            return result;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private JobView? Describe(string id, long now)
    {
        var cut = id.IndexOfAny([':', '#']);
        var baseId = cut < 0 ? id : id[..cut];
        if (!Guid.TryParse(baseId, out var guid) || !_byId.TryGetValue(guid, out var index)) return null;
        var job = _jobs[index];
        if (job.CreatedAt > now) return null;
        var def = JobDefinitions[job.Def];
        if (cut < 0) return View(job, index, now, detail: true);
        if (!int.TryParse(id.AsSpan(cut + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sub)) return null;
        if (id[cut] == ':' && sub < job.ArraySize)
        {
            return ChildView(job, sub, now);
        }

        if (id[cut] == '#' && def.IsMultinode && sub < def.Spec.NumNodes)
        {
            return NodeView(job, sub, now);
        }

        return null;
    }

    public (IReadOnlyList<JobView> Jobs, string? NextToken) ListJobs(ListJobsQuery query)
    {
        var selectors = (query.JobQueue is null ? 0 : 1) + (query.ArrayJobId is null ? 0 : 1) + (query.MultiNodeJobId is null ? 0 : 1);
        if (selectors != 1)
            throw new BatchClientException("Exactly one of jobQueue, arrayJobId or multiNodeJobId must be specified.");
        JobState? status = null;
        if (query.JobStatus is not null)
        {
            var s = Array.IndexOf(StatusNames, query.JobStatus);
            if (s < 0) throw new BatchClientException($"Invalid jobStatus '{query.JobStatus}'. Valid values are {string.Join(", ", StatusNames)}.");
            status = (JobState)s;
        }

        var useFilters = query.Filters.Count > 0 && query.JobQueue is not null;
        var limit = useFilters ? 100 : 1000;
        if (query.MaxResults is { } max && (max < 1 || max > limit))
        {
            throw new BatchClientException(useFilters
                ? $"maxResults must be between 1 and 100 when filters are used, not {max}."
                : $"maxResults must be between 1 and 1000, not {max}.");
        }

        var pageSize = query.MaxResults ?? limit;
        var wanted = status ?? JobState.Running;
        var now = NowMs;
        EnsureGenerated(now);
        _lock.EnterReadLock();
        try
        {
            if (query.JobQueue is not null)
            {
                var queue = FindQueue(query.JobQueue) ?? throw new BatchClientException($"Job queue {query.JobQueue} does not exist.");
                var filter = useFilters ? BuildFilter(query.Filters) : null;
                return ListQueue(queue, filter, wanted, pageSize, query.NextToken, now);
            }

            return ListChildren(query.ArrayJobId ?? query.MultiNodeJobId!, query.ArrayJobId is not null, wanted, pageSize, query.NextToken, now);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private Func<JobRecord, bool> BuildFilter(IReadOnlyList<ListJobsFilter> filters)
    {
        if (filters.Count > 1) throw new BatchClientException("Only one filter can be specified.");
        var f = filters[0];
        if (f.Values.Count != 1) throw new BatchClientException($"Filter {f.Name} takes exactly one value.");
        var value = f.Values[0];
        long Millis() => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
            ? ms
            : throw new BatchClientException($"Filter {f.Name} value '{value}' is not a time in milliseconds since the epoch.");
        switch (f.Name)
        {
            case "JOB_NAME":
                if (value.EndsWith('*'))
                {
                    var prefix = value[..^1];
                    return j => JobName(j).StartsWith(prefix, StringComparison.Ordinal);
                }

                return j => JobName(j) == value;
            case "AFTER_CREATED_AT":
            {
                var ms = Millis();
                return j => j.CreatedAt >= ms;
            }

            case "BEFORE_CREATED_AT":
            {
                var ms = Millis();
                return j => j.CreatedAt <= ms;
            }

            case "JOB_DEFINITION":
            {
                // A name, name:revision or ARN; a trailing '*' matches by prefix.
                bool Match(JobDefinitionInfo d)
                {
                    if (value.EndsWith('*')) return d.Name.StartsWith(value[..^1], StringComparison.Ordinal) || d.Arn.StartsWith(value[..^1], StringComparison.Ordinal);
                    return value == d.Name || value == d.Arn || value == $"{d.Name}:{d.Spec.Revision}";
                }

                var defs = JobDefinitions.Where(Match).Select(d => (short)d.Index).ToHashSet();
                return j => defs.Contains(j.Def);
            }

            case "SHARE_IDENTIFIER":
                // The simulated queues are FIFO (no scheduling policy), so no job carries a share identifier.
                return _ => false;

            default:
                throw new BatchClientException($"Invalid filter name '{f.Name}'. Valid names are JOB_NAME, JOB_DEFINITION, BEFORE_CREATED_AT, AFTER_CREATED_AT, SHARE_IDENTIFIER.");
        }
    }

    private (IReadOnlyList<JobView>, string?) ListQueue(JobQueue queue, Func<JobRecord, bool>? filter, JobState wanted, int pageSize, string? token, long now)
    {
        var start = queue.Jobs.Count - 1;
        if (token is not null)
        {
            var parts = DecodeToken(token);
            if (parts.Length != 3 || parts[0] != "q" || parts[1] != queue.Name || !long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var after))
                throw new BatchClientException("Invalid nextToken.");
            // Resume just after the last job returned: creation times are unique and increasing.
            var lo = 0;
            var hi = queue.Jobs.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (_jobs[queue.Jobs[mid]].CreatedAt < after) lo = mid + 1;
                else hi = mid;
            }

            start = lo - 1;
        }

        var page = new List<JobView>(Math.Min(pageSize, 1000));
        for (var p = start; p >= 0; p--)
        {
            var index = queue.Jobs[p];
            ref readonly var job = ref _jobs[index];
            if (job.CreatedAt > now) continue;
            if (filter is not null ? !filter(job) : job.StatusAt(now, job.ArraySize > 0) != wanted) continue;
            if (page.Count == pageSize)
            {
                var last = page[^1];
                return (page, EncodeToken("q", queue.Name, last.CreatedAt.ToString(CultureInfo.InvariantCulture)));
            }

            page.Add(View(job, index, now, detail: false));
        }

        return (page, null);
    }

    private (IReadOnlyList<JobView>, string?) ListChildren(string parentId, bool array, JobState wanted, int pageSize, string? token, long now)
    {
        if (!Guid.TryParse(parentId, out var guid) || !_byId.TryGetValue(guid, out var index) || _jobs[index].CreatedAt > now)
            throw new BatchClientException($"Job {parentId} does not exist.");
        var job = _jobs[index];
        var def = JobDefinitions[job.Def];
        var count = array ? job.ArraySize : def.IsMultinode ? def.Spec.NumNodes : 0;
        if (count == 0) throw new BatchClientException(array ? $"Job {parentId} is not an array job." : $"Job {parentId} is not a multi-node parallel job.");

        // Children share the parent's createdAt, so the order is by jobId (ordinal) and the token is the last id.
        var ids = Enumerable.Range(0, count).Select(i => (Index: i, Id: $"{parentId}{(array ? ':' : '#')}{i.ToString(CultureInfo.InvariantCulture)}"))
            .OrderBy(x => x.Id, StringComparer.Ordinal).ToList();
        var skipUntil = token is null ? null : DecodeToken(token) is [var kind, var p, var lastId] && kind == "c" && p == parentId
            ? lastId
            : throw new BatchClientException("Invalid nextToken.");
        var page = new List<JobView>();
        foreach (var (i, id) in ids)
        {
            if (skipUntil is not null && string.CompareOrdinal(id, skipUntil) <= 0) continue;
            var view = array ? ChildView(job, i, now) : NodeView(job, i, now);
            if (view.Status != wanted) continue;
            if (page.Count == pageSize) return (page, EncodeToken("c", parentId, page[^1].JobId));
            page.Add(view);
        }

        return (page, null);
    }

    private static string EncodeToken(params string[] parts) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("v1|" + string.Join('|', parts)));

    private static string[] DecodeToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            return text.StartsWith("v1|", StringComparison.Ordinal) ? text[3..].Split('|') : [];
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private string JobName(in JobRecord job)
    {
        var row = _rows[job.Row];
        return $"{JobDefinitions[job.Def].Name}-j{row.JobId.ToString(CultureInfo.InvariantCulture)}-t{row.TaskId.ToString(CultureInfo.InvariantCulture)}";
    }

    private JobView View(in JobRecord job, int index, long now, bool detail)
    {
        var def = JobDefinitions[job.Def];
        var id = job.Id.ToString();
        if (job.ArraySize > 0)
        {
            var status = job.StatusAt(now, arrayParent: true);
            Dictionary<string, int>? summary = null;
            if (detail)
            {
                summary = StatusNames.ToDictionary(s => s, _ => 0, StringComparer.Ordinal);
                Span<AttemptRecord> buffer = stackalloc AttemptRecord[def.Spec.RetryAttempts];
                for (var i = 0; i < job.ArraySize; i++)
                {
                    var child = ComputeChild(job, i, buffer, out _);
                    summary[StatusName(child.StatusAt(now, false))]++;
                }
            }

            var terminal = status is JobState.Succeeded or JobState.Failed;
            return new JobView
            {
                JobId = id,
                JobArn = JobArn(id),
                JobName = JobName(job),
                JobQueueArn = Queues[job.Queue].Arn,
                Definition = def,
                Kind = JobKind.ArrayParent,
                Status = status,
                StatusReason = status == JobState.Failed ? "Array Child Job failed" : null,
                CreatedAt = job.CreatedAt,
                StartedAt = job.StartedAt <= now ? job.StartedAt : null,
                StoppedAt = terminal ? job.StoppedAt : null,
                Vcpus = job.Vcpus,
                MemoryMiB = job.MemoryMiB,
                Gpus = job.Gpus,
                ArraySize = job.ArraySize,
                ArrayStatusSummary = summary,
                Attempts = [],
                Tags = def.Spec.Tags,
            };
        }

        var attempts = _attempts.AsSpan(job.AttemptStart, job.AttemptCount);
        return Build(job, attempts, id, def.IsMultinode ? JobKind.MultiNode : JobKind.Single, now, def.Spec.Tags, null, def.IsMultinode ? def.Spec.NumNodes : null, null);
    }

    private JobView ChildView(in JobRecord parent, int i, long now)
    {
        Span<AttemptRecord> buffer = stackalloc AttemptRecord[JobDefinitions[parent.Def].Spec.RetryAttempts];
        var child = ComputeChild(parent, i, buffer, out var n);
        // Tags don't propagate to array children.
        return Build(child, buffer[..n], $"{parent.Id}:{i.ToString(CultureInfo.InvariantCulture)}", JobKind.ArrayChild, now,
            new Dictionary<string, string>(), i, null, null);
    }

    private JobView NodeView(in JobRecord job, int node, long now)
    {
        var def = JobDefinitions[job.Def];
        var attempts = _attempts.AsSpan(job.AttemptStart, job.AttemptCount);
        return Build(job, attempts, $"{job.Id}#{node.ToString(CultureInfo.InvariantCulture)}", JobKind.MultiNodeNode, now,
            new Dictionary<string, string>(), null, def.Spec.NumNodes, node);
    }

    private string JobArn(string id) => $"arn:aws:batch:{Region}:{AccountId}:job/{id}";

    private JobView Build(in JobRecord job, ReadOnlySpan<AttemptRecord> attempts, string id, JobKind kind, long now,
        IReadOnlyDictionary<string, string> tags, int? arrayIndex, int? numNodes, int? nodeIndex)
    {
        var def = JobDefinitions[job.Def];
        var status = job.StatusAt(now, false);
        var node = (ulong)(nodeIndex ?? 0);
        var views = new List<AttemptView>(attempts.Length);
        AttemptView? current = null;
        long? startedAt = null;
        for (var a = 0; a < attempts.Length; a++)
        {
            ref readonly var at = ref attempts[a];
            if (at.DecisionAt > now) break;
            if (at.StartedAt <= now) startedAt = at.StartedAt;
            var ce = ComputeEnvironments[at.CeIndex];
            var taskId = Hash.Hex32(job.Key, ((ulong)a << 20) | node);
            // MNP nodes beyond the main node run on their own instances (slots after the shared ones).
            var instanceKey = InstanceKey(at.CeIndex, at.TypeIndex, at.DecisionAt / InstanceWindow, at.Slot + (int)node);
            var reclaimed = at.Outcome == AttemptOutcome.SpotReclaim;
            var view = new AttemptView(
                ce.IsFargate ? null : $"arn:aws:ecs:{Region}:{AccountId}:container-instance/{ce.ClusterName}/{Hash.Hex32(instanceKey, (ulong)Seed)}",
                $"arn:aws:ecs:{Region}:{AccountId}:task/{ce.ClusterName}/{taskId}",
                $"{def.Name}/default/{taskId}",
                at.StartedAt,
                at.StoppedAt,
                at.ExitCode,
                at.Outcome == AttemptOutcome.OutOfMemory ? "OutOfMemoryError: Container killed due to memory usage" : null,
                reclaimed ? $"Host EC2 (instance {Ec2InstanceId(instanceKey)}) terminated." : "Essential container in task exited");
            current = view;
            // AWS lists an attempt once it has ended; the running one shows in "container".
            if (at.StoppedAt <= now) views.Add(view);
        }

        var terminal = status is JobState.Succeeded or JobState.Failed;
        var last = terminal ? views[^1] : null;
        string? reason = status switch
        {
            // Instances that cannot reach ECS never register; AWS shows no reason, the job just waits.
            JobState.Runnable when job.StartDecisionAt == long.MaxValue && Queues[job.Queue].CeOrder.All(i => !ComputeEnvironments[i].HasNetworkPath) => null,
            JobState.Runnable when job.StartDecisionAt == long.MaxValue => NeverFitsReason,
            JobState.Succeeded or JobState.Failed => last!.StatusReason,
            _ => null,
        };
        return new JobView
        {
            JobId = id,
            JobArn = JobArn(id),
            JobName = JobName(job),
            JobQueueArn = Queues[job.Queue].Arn,
            Definition = def,
            Kind = kind,
            Status = status,
            StatusReason = reason,
            CreatedAt = job.CreatedAt,
            StartedAt = startedAt,
            StoppedAt = terminal ? job.StoppedAt : null,
            ExitCode = last?.ExitCode,
            ContainerReason = last?.Reason,
            ContainerInstanceArn = current?.ContainerInstanceArn,
            TaskArn = current?.TaskArn,
            LogStreamName = current?.LogStreamName,
            Vcpus = job.Vcpus,
            MemoryMiB = job.MemoryMiB,
            Gpus = job.Gpus,
            ArrayIndex = arrayIndex,
            NumNodes = numNodes,
            NodeIndex = nodeIndex,
            Attempts = views,
            Tags = tags,
        };
    }

    /// <summary>Ids of every step-th job created by t, with all its array children and MNP nodes (for tests and tools).</summary>
    internal IReadOnlyList<string> JobIdsCreatedBy(long t, int step)
    {
        EnsureGenerated(t);
        _lock.EnterReadLock();
        try
        {
            var ids = new List<string>();
            for (var i = 0; i < _jobCount && _jobs[i].CreatedAt <= t; i += step)
            {
                var job = _jobs[i];
                var id = job.Id.ToString();
                ids.Add(id);
                for (var c = 0; c < job.ArraySize; c++) ids.Add($"{id}:{c.ToString(CultureInfo.InvariantCulture)}");
                var def = JobDefinitions[job.Def];
                if (def.IsMultinode)
                {
                    for (var n = 0; n < def.Spec.NumNodes; n++) ids.Add($"{id}#{n.ToString(CultureInfo.InvariantCulture)}");
                }
            }

            return ids;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    internal static ulong InstanceKey(int ceIndex, int typeIndex, long window, int slot) =>
        Hash.Of(((ulong)ceIndex << 16) | (ushort)typeIndex, (ulong)window, (ulong)slot);

    /// <summary>
    /// Resolves a container instance ARN the sandbox handed out to its EC2 instance, type and AZ (what ECS
    /// DescribeContainerInstances reports). Instances are derived, not stored, so this enumerates the few candidates.
    /// </summary>
    internal ContainerInstanceInfo? FindContainerInstance(string arn)
    {
        var marker = ":container-instance/";
        var at = arn.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = arn[(at + marker.Length)..];
        var slash = rest.LastIndexOf('/');
        if (slash < 0) return null;
        var ce = ComputeEnvironments.FirstOrDefault(c => c.ClusterName == rest[..slash] && !c.IsFargate);
        if (ce is null) return null;
        var id = rest[(slash + 1)..];
        var maxNodes = JobDefinitions.Where(d => d.IsMultinode).Select(d => d.Spec.NumNodes).DefaultIfEmpty(1).Max();
        var types = ce.Versions.SelectMany(v => v.Config.Types).Select(t => _typeIndex[t.Name]).Distinct().ToList();
        for (var window = NowMs / InstanceWindow + 1; window >= (OriginMs / InstanceWindow) - 1; window--)
        {
            foreach (var type in types)
            {
                for (var slot = 0; slot < InstanceSlots + maxNodes; slot++)
                {
                    var key = InstanceKey(ce.Index, type, window, slot);
                    if (Hash.Hex32(key, (ulong)Seed) != id) continue;
                    var zone = (char)('a' + (int)(Hash.Of(key, 21) % 3));
                    return new ContainerInstanceInfo(arn, Ec2InstanceId(key), _typeTable[type].Name, $"{Region}{zone}", ce.Name,
                        window * InstanceWindow, ce.IsSpot);
                }
            }
        }

        return null;
    }

    internal string Ec2InstanceId(ulong instanceKey) => $"i-0{Hash.Of(instanceKey, (ulong)Seed, 9):x16}";
}
