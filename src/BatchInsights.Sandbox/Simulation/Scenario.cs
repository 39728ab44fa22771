using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BatchInsights.Sandbox.Simulation;

/// <summary>The user-editable description of a simulated account (Scenarios/default.json).</summary>
public sealed record Scenario
{
    public string AccountId { get; init; } = "123456789012";
    public string Region { get; init; } = "us-east-1";
    public int Seed { get; init; } = 42;
    public int HistoryDays { get; init; } = 30;

    /// <summary>Jobs (counting array children and MNP nodes) over the history window; wins over JobsPerDay.</summary>
    public long? TargetJobCount { get; init; }

    /// <summary>Top-level submissions per day (used when TargetJobCount is absent).</summary>
    public double? JobsPerDay { get; init; }

    public WorkloadScaling Workload { get; init; } = new();
    public IReadOnlyList<ComputeEnvironmentSpec> ComputeEnvironments { get; init; } = [];
    public IReadOnlyList<JobQueueSpec> JobQueues { get; init; } = [];
    public IReadOnlyList<JobDefinitionSpec> JobDefinitions { get; init; } = [];

    /// <summary>The region's AZs (Spot pools, DescribeAvailabilityZones); null = the region's AZs in the offerings data.</summary>
    public IReadOnlyList<string>? AvailabilityZones { get; init; }

    /// <summary>Injected faults per API operation name ("DescribeSpotPriceHistory", "ListJobs") or "*" for all.</summary>
    public IReadOnlyDictionary<string, FaultSpec> Faults { get; init; } = new Dictionary<string, FaultSpec>();

    /// <summary>EC2 DescribeInstances lists a terminated instance for about an hour after it terminated (AWS's own window).</summary>
    public int TerminatedInstanceVisibleMinutes { get; init; } = 60;

    /// <summary>ECS still describes a deregistered (INACTIVE) container instance this long; after that it is a MISSING failure.</summary>
    public int InactiveContainerInstanceVisibleMinutes { get; init; } = 60;

    /// <summary>The account's VPCs (subnets, route tables, NAT gateways, endpoints); CEs name their subnets.</summary>
    public IReadOnlyList<VpcSpec> Vpcs { get; init; } = [];
}

/// <summary>Faults one operation suffers; an operation's own entry replaces the "*" entry.</summary>
public sealed record FaultSpec
{
    /// <summary>Share of calls (0..1) refused as throttled (Batch 429 TooManyRequestsException, EC2 503 RequestLimitExceeded).</summary>
    public double ThrottleShare { get; init; }

    /// <summary>Share of calls (0..1) failing with a 5xx (Batch ServerException, EC2 InternalError).</summary>
    public double ErrorShare { get; init; }

    /// <summary>Added latency of every call, in real milliseconds.</summary>
    public int LatencyMs { get; init; }

    /// <summary>Every call is refused as not authorized (Batch AccessDeniedException, EC2 UnauthorizedOperation).</summary>
    public bool AccessDenied { get; init; }

    /// <summary>Share of calls (0..1) whose successful answer is cut off half-way (truncated JSON/XML, as a dropped connection leaves it).</summary>
    public double MalformedShare { get; init; }
}

/// <summary>How Alibaba trace rows become Batch-like jobs.</summary>
public sealed record WorkloadScaling
{
    public double CpuScale { get; init; } = 4;
    public double MemoryMachineGiB { get; init; } = 64;
    public double MemoryScale { get; init; } = 4;
    public double DurationScale { get; init; } = 10;
    public double ArraySizeScale { get; init; } = 0.01;
    public int MaxArraySize { get; init; } = 10_000;
    public int MinArraySize { get; init; } = 50;
}

public sealed record ComputeEnvironmentSpec
{
    public string Name { get; init; } = "";
    /// <summary>EC2 | SPOT | FARGATE | FARGATE_SPOT.</summary>
    public string Type { get; init; } = "EC2";
    public string? AllocationStrategy { get; init; }
    public IReadOnlyList<string> InstanceTypes { get; init; } = [];
    public int MinvCpus { get; init; }
    public int DesiredvCpus { get; init; }
    public int MaxvCpus { get; init; } = 256;
    public int? BidPercentage { get; init; }
    public double SpotInterruptionRate { get; init; } = 0.05;
    public string State { get; init; } = "ENABLED";
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>Names of subnets under "vpcs"; null keeps three subnets outside any simulated VPC.</summary>
    public IReadOnlyList<string>? Subnets { get; init; }
}

public sealed record JobQueueSpec
{
    public string Name { get; init; } = "";
    public int Priority { get; init; } = 1;
    public IReadOnlyList<string> ComputeEnvironmentOrder { get; init; } = [];
    public double MeanQueueWaitSeconds { get; init; } = 60;
    public string State { get; init; } = "ENABLED";
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

public sealed record JobDefinitionSpec
{
    public string Name { get; init; } = "";
    /// <summary>container | multinode.</summary>
    public string Type { get; init; } = "container";
    public string JobQueue { get; init; } = "";
    public double Weight { get; init; } = 1;
    public int Revision { get; init; } = 1;
    public int RetryAttempts { get; init; } = 1;
    public string Image { get; init; } = "public.ecr.aws/amazonlinux/amazonlinux:2023";
    public int? Vcpus { get; init; }
    public int? MemoryMiB { get; init; }
    public int? Gpus { get; init; }
    public int NumNodes { get; init; } = 2;
    public bool AllowArrays { get; init; } = true;
    public IReadOnlyList<string> PlatformCapabilities { get; init; } = ["EC2"];
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>A scenario file mistake; the message names the file, line and field.</summary>
public sealed class ScenarioException : Exception
{
    public ScenarioException(string message, Exception? inner = null) : base(message, inner) { }
    public ScenarioException() { }
    public ScenarioException(string message) : base(message) { }
}

/// <summary>The API operations the sandbox serves, by their AWS names.</summary>
internal static class SandboxOperations
{
    public static readonly IReadOnlyList<string> Batch =
        ["DescribeComputeEnvironments", "DescribeJobQueues", "DescribeJobDefinitions", "ListJobs", "DescribeJobs", "UpdateComputeEnvironment"];

    public static readonly IReadOnlyList<string> Ec2 =
    [
        "DescribeInstanceTypes", "DescribeSpotPriceHistory", "DescribeAvailabilityZones", "DescribeInstances",
        "DescribeSubnets", "DescribeRouteTables", "DescribeNatGateways", "DescribeVpcEndpoints", "DescribeInstanceTypeOfferings",
    ];

    public static readonly IReadOnlyList<string> Ecs = ["DescribeContainerInstances"];

    public static readonly IReadOnlyList<string> CloudWatch = ["GetMetricData"];

    public static readonly IReadOnlyList<string> Pricing = ["GetProducts"];

    public static IEnumerable<string> All => Batch.Concat(Ec2).Concat(Ecs).Concat(CloudWatch).Concat(Pricing);

    public static bool IsKnown(string name) => All.Contains(name, StringComparer.Ordinal);

    /// <summary>The Batch operation of a REST path (/v1/describejobs → DescribeJobs); null when none.</summary>
    public static string? BatchOperationOfPath(string path) =>
        path.StartsWith("/v1/", StringComparison.Ordinal)
            ? Batch.FirstOrDefault(o => string.Equals(o, path[4..], StringComparison.OrdinalIgnoreCase))
            : null;
}

internal static class ScenarioLoader
{
    internal const string DefaultResourceName = "BatchInsights.Sandbox.Scenarios.default.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
    };

    /// <summary>
    /// Loads a scenario file. Null means Scenarios/default.json next to the binary (so users can edit it in place),
    /// or the embedded copy when that file is absent.
    /// </summary>
    public static Scenario Load(string? path)
    {
        string text;
        string name;
        var besideBinary = Path.Combine(AppContext.BaseDirectory, "Scenarios", "default.json");
        if (path is null && File.Exists(besideBinary)) path = besideBinary;
        if (path is null)
        {
            using var stream = typeof(ScenarioLoader).Assembly.GetManifestResourceStream(DefaultResourceName)
                ?? throw new InvalidOperationException("The default scenario is not embedded in the sandbox assembly.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            text = reader.ReadToEnd();
            name = "Scenarios/default.json (embedded)";
        }
        else
        {
            if (!File.Exists(path))
            {
                throw new ScenarioException($"Scenario file '{path}' does not exist.");
            }

            text = File.ReadAllText(path);
            name = path;
        }

        return Parse(text, name);
    }

    public static Scenario Parse(string json, string fileName)
    {
        Scenario scenario;
        try
        {
            scenario = JsonSerializer.Deserialize<Scenario>(json, Options)
                ?? throw new ScenarioException($"Scenario file '{fileName}' line 1: the file is empty or 'null'.");
        }
        catch (JsonException ex)
        {
            // System.Text.Json reports 0-based line numbers.
            var line = (ex.LineNumber ?? 0) + 1;
            throw new ScenarioException(
                $"Scenario file '{fileName}' line {line}: field '{ex.Path ?? "$"}': {FirstSentence(ex.Message)}", ex);
        }

        var lines = JsonLineMap.Build(json);
        var errors = Validate(scenario).ToList();
        if (errors.Count > 0)
        {
            var (field, problem) = errors[0];
            var more = errors.Count > 1 ? $" (and {errors.Count - 1} more problem(s))" : "";
            throw new ScenarioException(
                $"Scenario file '{fileName}' line {lines.LineOf(field)}: field '{field}': {problem}{more}");
        }

        return scenario;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static IEnumerable<(string Field, string Problem)> Validate(Scenario s)
    {
        if (s.AccountId.Length != 12 || !s.AccountId.All(char.IsAsciiDigit))
        {
            yield return ("$.accountId", $"'{s.AccountId}' is not a 12-digit AWS account id.");
        }

        if (string.IsNullOrWhiteSpace(s.Region))
        {
            yield return ("$.region", "must not be empty.");
        }

        if (s.HistoryDays is < 0 or > 3650)
        {
            yield return ("$.historyDays", $"must be between 0 and 3650, not {s.HistoryDays}.");
        }

        if (s.TargetJobCount is < 0 or > 50_000_000)
        {
            yield return ("$.targetJobCount", $"must be between 0 and 50,000,000, not {s.TargetJobCount}.");
        }

        if (s.JobsPerDay is < 0 or > 10_000_000)
        {
            yield return ("$.jobsPerDay", $"must be between 0 and 10,000,000, not {s.JobsPerDay}.");
        }

        if (s.TargetJobCount is null && s.JobsPerDay is null)
        {
            yield return ("$", "set either 'targetJobCount' or 'jobsPerDay'.");
        }

        var w = s.Workload;
        if (w.CpuScale <= 0) yield return ("$.workload.cpuScale", "must be positive.");
        if (w.MemoryMachineGiB <= 0) yield return ("$.workload.memoryMachineGiB", "must be positive.");
        if (w.MemoryScale <= 0) yield return ("$.workload.memoryScale", "must be positive.");
        if (w.DurationScale <= 0) yield return ("$.workload.durationScale", "must be positive.");
        if (w.ArraySizeScale < 0) yield return ("$.workload.arraySizeScale", "must not be negative.");
        if (w.MaxArraySize is < 2 or > 10_000) yield return ("$.workload.maxArraySize", "must be between 2 and 10,000 (the AWS limit).");
        if (w.MinArraySize < 2 || w.MinArraySize > w.MaxArraySize) yield return ("$.workload.minArraySize", "must be between 2 and maxArraySize.");

        var ceNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < s.ComputeEnvironments.Count; i++)
        {
            var ce = s.ComputeEnvironments[i];
            var p = $"$.computeEnvironments[{i}]";
            if (string.IsNullOrWhiteSpace(ce.Name)) yield return ($"{p}.name", "must not be empty.");
            else if (!ceNames.Add(ce.Name)) yield return ($"{p}.name", $"'{ce.Name}' is defined twice.");
            if (ce.Type is not ("EC2" or "SPOT" or "FARGATE" or "FARGATE_SPOT"))
                yield return ($"{p}.type", $"'{ce.Type}' is not one of EC2, SPOT, FARGATE, FARGATE_SPOT.");
            var fargate = ce.Type.StartsWith("FARGATE", StringComparison.Ordinal);
            if (!fargate && ce.InstanceTypes.Count == 0) yield return ($"{p}.instanceTypes", "an EC2/SPOT compute environment needs instance types.");
            if (fargate && ce.InstanceTypes.Count > 0) yield return ($"{p}.instanceTypes", "a Fargate compute environment takes no instance types.");
            if (ce.AllocationStrategy is not (null or "BEST_FIT" or "BEST_FIT_PROGRESSIVE" or "SPOT_CAPACITY_OPTIMIZED" or "SPOT_PRICE_CAPACITY_OPTIMIZED"))
                yield return ($"{p}.allocationStrategy", $"'{ce.AllocationStrategy}' is not a Batch allocation strategy.");
            if (ce.MinvCpus < 0) yield return ($"{p}.minvCpus", "must not be negative.");
            if (ce.MaxvCpus < 0) yield return ($"{p}.maxvCpus", "must not be negative.");
            if (ce.DesiredvCpus < ce.MinvCpus || ce.DesiredvCpus > ce.MaxvCpus) yield return ($"{p}.desiredvCpus", "must lie between minvCpus and maxvCpus.");
            if (ce.BidPercentage is { } bid && (bid < 1 || bid > 100)) yield return ($"{p}.bidPercentage", "must be between 1 and 100.");
            if (ce.BidPercentage is not null && ce.Type != "SPOT") yield return ($"{p}.bidPercentage", "only applies to SPOT compute environments.");
            if (ce.SpotInterruptionRate is < 0 or > 1) yield return ($"{p}.spotInterruptionRate", "must be between 0 and 1.");
            if (ce.State is not ("ENABLED" or "DISABLED")) yield return ($"{p}.state", "must be ENABLED or DISABLED.");
            for (var t = 0; t < ce.InstanceTypes.Count; t++)
            {
                if (!InstanceCatalog.Default.IsKnownTypeOrFamily(ce.InstanceTypes[t]))
                    yield return ($"{p}.instanceTypes[{t}]", $"'{ce.InstanceTypes[t]}' is not a known instance type, family or 'optimal'.");
            }
        }

        var queueNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < s.JobQueues.Count; i++)
        {
            var q = s.JobQueues[i];
            var p = $"$.jobQueues[{i}]";
            if (string.IsNullOrWhiteSpace(q.Name)) yield return ($"{p}.name", "must not be empty.");
            else if (!queueNames.Add(q.Name)) yield return ($"{p}.name", $"'{q.Name}' is defined twice.");
            if (q.ComputeEnvironmentOrder.Count is 0 or > 3) yield return ($"{p}.computeEnvironmentOrder", "needs 1 to 3 compute environments (the AWS limit).");
            for (var o = 0; o < q.ComputeEnvironmentOrder.Count; o++)
            {
                if (!ceNames.Contains(q.ComputeEnvironmentOrder[o]))
                    yield return ($"{p}.computeEnvironmentOrder[{o}]", $"unknown compute environment '{q.ComputeEnvironmentOrder[o]}'.");
            }

            if (q.MeanQueueWaitSeconds < 0) yield return ($"{p}.meanQueueWaitSeconds", "must not be negative.");
            if (q.State is not ("ENABLED" or "DISABLED")) yield return ($"{p}.state", "must be ENABLED or DISABLED.");
        }

        if (s.JobDefinitions.Count == 0) yield return ("$.jobDefinitions", "define at least one job definition.");
        var defNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < s.JobDefinitions.Count; i++)
        {
            var d = s.JobDefinitions[i];
            var p = $"$.jobDefinitions[{i}]";
            if (string.IsNullOrWhiteSpace(d.Name)) yield return ($"{p}.name", "must not be empty.");
            else if (!defNames.Add(d.Name)) yield return ($"{p}.name", $"'{d.Name}' is defined twice.");
            if (d.Type is not ("container" or "multinode")) yield return ($"{p}.type", "must be 'container' or 'multinode'.");
            if (!queueNames.Contains(d.JobQueue)) yield return ($"{p}.jobQueue", $"unknown job queue '{d.JobQueue}'.");
            else if (d.Type == "multinode")
            {
                // AWS: multi-node parallel jobs can't run on Spot or Fargate resources.
                var queue = s.JobQueues.First(q => q.Name == d.JobQueue);
                var bad = queue.ComputeEnvironmentOrder.FirstOrDefault(n => s.ComputeEnvironments.Any(c => c.Name == n && c.Type != "EC2"));
                if (bad is not null) yield return ($"{p}.jobQueue", $"multi-node parallel jobs can't run on compute environment '{bad}' (only EC2 On-Demand).");
            }
            if (d.Weight < 0) yield return ($"{p}.weight", "must not be negative.");
            if (d.Revision < 1) yield return ($"{p}.revision", "must be at least 1.");
            if (d.RetryAttempts is < 1 or > 10) yield return ($"{p}.retryAttempts", "must be between 1 and 10 (the AWS limit).");
            if (d.Vcpus is <= 0) yield return ($"{p}.vcpus", "must be positive.");
            if (d.MemoryMiB is <= 0) yield return ($"{p}.memoryMiB", "must be positive.");
            if (d.Gpus is < 0) yield return ($"{p}.gpus", "must not be negative.");
            if (d.NumNodes is < 1 or > 1000) yield return ($"{p}.numNodes", "must be between 1 and 1000.");
            foreach (var cap in d.PlatformCapabilities)
            {
                if (cap is not ("EC2" or "FARGATE")) yield return ($"{p}.platformCapabilities", $"'{cap}' is not EC2 or FARGATE.");
            }
        }

        if (s.JobDefinitions.Count > 0 && s.JobDefinitions.Sum(d => d.Weight) <= 0)
            yield return ("$.jobDefinitions", "the weights must not all be zero.");

        if (s.AvailabilityZones is { } zones)
        {
            if (zones.Count == 0) yield return ("$.availabilityZones", "list at least one Availability Zone (or leave the field out).");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < zones.Count; i++)
            {
                var z = zones[i];
                if (z.Length != s.Region.Length + 1 || !z.StartsWith(s.Region, StringComparison.Ordinal) || !char.IsAsciiLetterLower(z[^1]))
                    yield return ($"$.availabilityZones[{i}]", $"'{z}' is not an Availability Zone of {s.Region} (e.g. {s.Region}a).");
                else if (!seen.Add(z)) yield return ($"$.availabilityZones[{i}]", $"'{z}' is listed twice.");
            }
        }

        foreach (var problem in NetworkScenarioValidator.Validate(s)) yield return problem;

        foreach (var (op, f) in s.Faults)
        {
            var p = $"$.faults.{op}";
            if (op != "*" && !SandboxOperations.IsKnown(op))
                yield return (p, $"'{op}' is not an operation the sandbox serves ({string.Join(", ", SandboxOperations.All)}) or '*'.");
            if (f.ThrottleShare is < 0 or > 1) yield return ($"{p}.throttleShare", "must be between 0 and 1.");
            if (f.ErrorShare is < 0 or > 1) yield return ($"{p}.errorShare", "must be between 0 and 1.");
            if (f.MalformedShare is < 0 or > 1) yield return ($"{p}.malformedShare", "must be between 0 and 1.");
            if (f.LatencyMs is < 0 or > 60_000) yield return ($"{p}.latencyMs", "must be between 0 and 60,000.");
        }

        if (s.TerminatedInstanceVisibleMinutes < 0) yield return ("$.terminatedInstanceVisibleMinutes", "must not be negative.");
        if (s.InactiveContainerInstanceVisibleMinutes < 0) yield return ("$.inactiveContainerInstanceVisibleMinutes", "must not be negative.");
    }
}

/// <summary>Maps JSON paths ("$.jobQueues[1].name") to 1-based line numbers of a JSON text.</summary>
internal sealed class JsonLineMap
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    public static JsonLineMap Build(string json)
    {
        var map = new JsonLineMap();
        var bytes = Encoding.UTF8.GetBytes(json);
        var newlines = new List<int>();
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n') newlines.Add(i);
        }

        int LineAt(long offset)
        {
            var idx = newlines.BinarySearch((int)offset);
            return (idx < 0 ? ~idx : idx) + 1;
        }

        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        // Each frame: the path of the container and, for arrays, the next element index.
        var stack = new Stack<(string Path, bool IsArray, int Next)>();
        string? pendingProperty = null;
        try
        {
            while (reader.Read())
            {
                string ValuePath()
                {
                    if (stack.Count == 0) return "$";
                    var top = stack.Pop();
                    string path;
                    if (top.IsArray)
                    {
                        path = $"{top.Path}[{top.Next}]";
                        top.Next++;
                    }
                    else
                    {
                        path = $"{top.Path}.{pendingProperty}";
                    }

                    stack.Push(top);
                    return path;
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pendingProperty = reader.GetString();
                        map._lines.TryAdd($"{stack.Peek().Path}.{pendingProperty}", LineAt(reader.TokenStartIndex));
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                    {
                        var path = ValuePath();
                        map._lines.TryAdd(path, LineAt(reader.TokenStartIndex));
                        stack.Push((path, reader.TokenType == JsonTokenType.StartArray, 0));
                        break;
                    }
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        stack.Pop();
                        break;
                    default:
                        map._lines.TryAdd(ValuePath(), LineAt(reader.TokenStartIndex));
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Already reported by the deserializer; keep what was mapped.
        }

        return map;
    }

    /// <summary>The line of the field, or of its nearest mapped parent (a missing field points at its object).</summary>
    public int LineOf(string path)
    {
        var p = path;
        while (true)
        {
            if (_lines.TryGetValue(p, out var line)) return line;
            var cut = Math.Max(p.LastIndexOf('.'), p.LastIndexOf('['));
            if (cut <= 0) return 1;
            p = p[..cut];
        }
    }
}
