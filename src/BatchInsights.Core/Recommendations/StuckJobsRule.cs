using System.Globalization;
using BatchInsights.Core.Costs;
using BatchInsights.Core.Networking;

namespace BatchInsights.Core.Recommendations;

/// <summary>
/// Stuck and failing jobs explained (issue 4 §4). For each queue with RUNNABLE jobs: jobs larger than every instance type
/// its CEs allow (they never start), the queue disabled, a CE disabled or INVALID, a CE without a network path to ECS, a
/// CE at maxvCpus. For failed attempts: one finding per cause (Spot reclaim, out of memory, image pull, exit code) with
/// counts, the money the failed attempts cost, and the fix for that cause.
/// </summary>
public sealed class StuckJobsRule : IRecommendationRule
{
    public const string RuleId = "stuck-jobs";

    /// <summary>Jobs waiting less than this are normal scheduling, not "stuck at maxvCpus".</summary>
    public static readonly TimeSpan MinWaitAtMaxvCpus = TimeSpan.FromMinutes(10);

    public string Id => RuleId;

    public IEnumerable<Recommendation> Evaluate(RecommendationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var results = new List<Recommendation>();
        foreach (var group in input.StuckJobs.GroupBy(s => (s.Account, s.Region, s.Queue)).OrderBy(g => g.Key.Queue, StringComparer.Ordinal))
        {
            var queue = input.Queues.FirstOrDefault(q => q.Account == group.Key.Account && q.Region == group.Key.Region && q.Name == group.Key.Queue);
            if (queue is not null)
            {
                results.AddRange(ExplainQueue(input, queue, group.ToList()));
            }
        }

        results.AddRange(ExplainFailures(input));
        return results;
    }

    private static IEnumerable<Recommendation> ExplainQueue(RecommendationInput input, QueueConfig queue, List<StuckJobFact> stuck)
    {
        var ces = queue.ComputeEnvironmentOrder
            .Select(n => input.ComputeEnvironments.FirstOrDefault(c => c.Account == queue.Account && c.Region == queue.Region && c.Name == n))
            .Where(c => c is not null).Select(c => c!).ToList();
        var offers = input.Offers.Where(o => o.Region == queue.Region).ToList();
        var target = new RecommendationTarget(queue.Account, queue.Region, RecommendationTargetKind.JobQueue, queue.Name);

        if (string.Equals(queue.State, "DISABLED", StringComparison.OrdinalIgnoreCase))
        {
            yield return Finding(target, "queue-disabled", $"Queue {queue.Name} is DISABLED",
                $"{stuck.Count} job(s) wait RUNNABLE on {queue.Name}, which is DISABLED{Reason(queue.StatusReason)}: a disabled queue takes no new jobs and its waiting jobs are not scheduled. Enable it, or cancel the jobs.",
                [new ProposedChange("state", "DISABLED", "ENABLED")], RecommendationSeverity.Critical, [WaitingTable(input, stuck)], []);
        }

        // Capacity is only known for managed CEs (types) and Fargate (fixed limits); an unmanaged CE may hold anything.
        var capacityKnown = ces.Count > 0 && ces.All(c => c.IsFargate || c.IsManagedEc2);
        var allowed = ces.ToDictionary(c => c.Name, c => c.IsFargate ? [] : AllowedOffers(c, offers), StringComparer.Ordinal);
        var neverFit = capacityKnown
            ? stuck.Where(s => !ces.Any(c => CanRun(c, allowed[c.Name], Shape(s)))).ToList()
            : [];
        foreach (var shapeGroup in neverFit.GroupBy(s => (s.JobDefinition, Shape: Shape(s))).OrderBy(g => g.Key.JobDefinition, StringComparer.Ordinal))
        {
            yield return NeverFits(input, queue, ces, allowed, offers, shapeGroup.Key.JobDefinition, shapeGroup.Key.Shape, shapeGroup.ToList());
        }

        var waiting = stuck.Except(neverFit).ToList();
        if (waiting.Count == 0)
        {
            yield break;
        }

        var blocked = ces.ToDictionary(c => c.Name, c => Blocked(input, c, allowed[c.Name]), StringComparer.Ordinal);
        var allBlocked = ces.Count > 0 && blocked.Values.All(b => b.Count > 0);
        foreach (var ce in ces)
        {
            var ceTarget = new RecommendationTarget(ce.Account, ce.Region, RecommendationTargetKind.ComputeEnvironment, ce.Name, ce.Arn);
            var severity = allBlocked ? RecommendationSeverity.Critical : RecommendationSeverity.Warning;
            var consequence = allBlocked
                ? $"{waiting.Count} job(s) on queue {queue.Name} cannot start: no compute environment of the queue can run them."
                : $"Queue {queue.Name} has {waiting.Count} RUNNABLE job(s); this CE cannot take any of them (the queue's other CEs can).";
            // A missing network path is reported once, by NetworkPathRule (its finding proposes the fix and lists these jobs);
            // here it only counts as a reason the CE is blocked.
            foreach (var (key, title, why, changes) in blocked[ce.Name].Where(b => !NetworkCauses.Contains(b.Key)))
            {
                yield return Finding(ceTarget, key, $"{ce.Name}: {title}", $"{why} {consequence}", changes, severity,
                    [WaitingTable(input, waiting), CeTable(ce, input)], []);
            }

            if (blocked[ce.Name].Count == 0 && AtMaxvCpus(input, ce, waiting) is { } atMax)
            {
                yield return atMax;
            }
        }
    }

    private static readonly HashSet<string> NetworkCauses = new(StringComparer.Ordinal) { "ce-no-network-path", "ce-partial-network-path" };

    private static List<(string Key, string Title, string Why, IReadOnlyList<ProposedChange> Changes)> Blocked(RecommendationInput input, ComputeEnvironmentConfig ce, List<InstanceOffer> allowedOffers)
    {
        var causes = new List<(string, string, string, IReadOnlyList<ProposedChange>)>();
        if (string.Equals(ce.State, "DISABLED", StringComparison.OrdinalIgnoreCase))
        {
            causes.Add(("ce-disabled", "DISABLED", $"Compute environment {ce.Name} is DISABLED: Batch launches no instances for it.", [new ProposedChange("state", "DISABLED", "ENABLED")]));
        }

        if (string.Equals(ce.Status, "INVALID", StringComparison.OrdinalIgnoreCase))
        {
            // No field to propose: the fix depends on the reason (service role, subnets, launch template, …).
            causes.Add(("ce-invalid", "INVALID", $"Compute environment {ce.Name} is INVALID{Reason(ce.StatusReason)}: Batch cannot scale it until the cause is fixed.", []));
        }

        if (ce.IsManagedEc2 && ce.AvailabilityZones.Count > 0 && allowedOffers.Count > 0 && allowedOffers.All(o => o.For(ce).NotOfferedInCeZones))
        {
            causes.Add(("ce-types-not-offered", "no instance type offered in its AZs",
                $"None of the instance types of compute environment {ce.Name} ({string.Join(", ", ce.InstanceTypes)}) is offered in the AZs of its subnets ({string.Join(", ", ce.AvailabilityZones)}): Batch cannot launch an instance, so jobs stay RUNNABLE. Add subnets in AZs that offer these types, or allow types these AZs offer.", []));
        }

        var path = input.Network.FirstOrDefault(n => n.Account == ce.Account && n.Region == ce.Region && n.ComputeEnvironment == ce.Name)?.Path;
        if (path == NetworkPathKind.NoPath)
        {
            // The network rule proposes the fix (NAT or endpoints); here it is named as the cause (aws-facts §4.4, Batch troubleshooting).
            causes.Add(("ce-no-network-path", "no network path to ECS",
                $"Compute environment {ce.Name} has no network path to ECS (no NAT, no public IP, no ecs/ecs-agent/ecs-telemetry endpoints): its instances never register with the cluster, so jobs stay RUNNABLE. See the network recommendation for this CE's VPC.", []));
        }
        else if (path == NetworkPathKind.PartialNoPath)
        {
            causes.Add(("ce-partial-network-path", "some subnets have no network path to ECS",
                $"Some subnets of compute environment {ce.Name} have no network path to ECS: instances launched there never register, so jobs may wait RUNNABLE.", []));
        }

        return causes;
    }

    private static Recommendation? AtMaxvCpus(RecommendationInput input, ComputeEnvironmentConfig ce, List<StuckJobFact> waiting)
    {
        if (!(ce.IsManagedEc2 || ce.IsFargate) || ce.MaxvCpus is not > 0 || waiting.Count == 0)
        {
            return null;
        }

        var inUse = Math.Max(ce.RunningVcpus, ce.DesiredvCpus ?? 0);
        var oldestWaitMs = waiting.Max(s => input.NowMs - s.CreatedAtMs);
        if (inUse < ce.MaxvCpus.Value || oldestWaitMs < MinWaitAtMaxvCpus.TotalMilliseconds)
        {
            return null;
        }

        var waitingVcpus = waiting.Sum(s => s.Vcpus);
        // Room for everything waiting on top of what runs now, rounded up to 16 vCPUs (Batch may exceed maxvCpus by one instance, aws-facts §4.2).
        var proposed = (int)(Math.Ceiling((Math.Max(inUse, ce.MaxvCpus.Value) + waitingVcpus) / 16.0) * 16);
        var max = ce.MaxvCpus.Value.ToString(CultureInfo.InvariantCulture);
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{ce.Name} uses {inUse:0.##} vCPUs of its maxvCpus {max} while {waiting.Count} job(s) asking for {waitingVcpus:0.##} vCPUs wait (the oldest for {Duration(oldestWaitMs)}). Raise maxvCpus to {proposed} so they can start, or accept the wait.");
        return Finding(new RecommendationTarget(ce.Account, ce.Region, RecommendationTargetKind.ComputeEnvironment, ce.Name, ce.Arn), "max-vcpus",
            $"{ce.Name}: maxvCpus reached, jobs wait", summary,
            [new ProposedChange("computeResources.maxvCpus", max, proposed.ToString(CultureInfo.InvariantCulture))], RecommendationSeverity.Warning,
            [CeTable(ce, input), WaitingTable(input, waiting)],
            ["Running vCPUs are the jobs RUNNING or STARTING at the last harvest, or desiredvCpus when larger.",
             "A higher maxvCpus lets the CE spend more at peaks; the jobs' total cost does not change, only when they run."]);
    }

    private static Recommendation NeverFits(RecommendationInput input, QueueConfig queue, List<ComputeEnvironmentConfig> ces,
        Dictionary<string, List<InstanceOffer>> allowed, List<InstanceOffer> offers, string? definition, JobShape shape, List<StuckJobFact> jobs)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var ce in ces)
        {
            if (ce.IsFargate)
            {
                rows.Add([ce.Name, "Fargate (largest task)", Num(FargateRates.MaxVcpus), Mib(FargateRates.MaxMemoryMib), Mib(FargateRates.MaxMemoryMib), "0"]);
            }
            else if (Largest(allowed[ce.Name], shape) is { } big)
            {
                rows.Add([ce.Name, big.InstanceType, Num(big.Vcpus), Mib(big.MemoryMib), Mib(Usable(big)), big.AllGpusSchedulable ? big.Gpus.ToString(CultureInfo.InvariantCulture) : GpuPhrase(big)]);
            }
            else
            {
                rows.Add([ce.Name, $"({string.Join(",", ce.InstanceTypes)}: no type in the catalog)", "", "", "", ""]);
            }
        }

        var ec2 = ces.FirstOrDefault(c => c.IsManagedEc2);
        var arch = ec2 is null ? "x86_64" : Architecture(allowed[ec2.Name]);
        var smallest = offers.Where(o => o.OnDemandUsdPerHour is not null && o.CurrentGeneration && !o.Burstable && !o.BareMetal
                && o.Architectures.Contains(arch) && Holds(o, shape) && (o.Gpus > 0) == (shape.Gpus > 0) && o.AllGpusSchedulable)
            .OrderBy(o => o.OnDemandUsdPerHour).ThenBy(o => o.Vcpus).ThenBy(o => o.InstanceType, StringComparer.Ordinal).FirstOrDefault();
        if (smallest is not null)
        {
            rows.Add(["(would fit)", smallest.InstanceType, Num(smallest.Vcpus), Mib(smallest.MemoryMib), Mib(Usable(smallest)),
                smallest.Gpus.ToString(CultureInfo.InvariantCulture)]);
        }

        var largestAllowed = ces.Where(c => !c.IsFargate).SelectMany(c => allowed[c.Name]).ToList() is { Count: > 0 } all ? Largest(all, shape) : null;
        var largestText = largestAllowed is not null
            ? string.Create(CultureInfo.InvariantCulture, $"the largest allowed type is {largestAllowed.InstanceType} ({largestAllowed.Vcpus} vCPU, {Mib(Usable(largestAllowed))} MiB usable, {GpuPhrase(largestAllowed)})")
            : string.Create(CultureInfo.InvariantCulture, $"the largest Fargate task is {FargateRates.MaxVcpus} vCPU, {FargateRates.MaxMemoryMib} MiB, no GPU");
        var defName = definition ?? "(unknown definition)";
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{jobs.Count} job(s) of {defName} on queue {queue.Name} ask for {Num(shape.Vcpus)} vCPU, {shape.MemoryMib} MiB, {shape.Gpus} GPU per node; {largestText}. They stay RUNNABLE forever (oldest waiting {Duration(jobs.Max(j => input.NowMs - j.CreatedAtMs))}).");
        IReadOnlyList<ProposedChange> changes;
        RecommendationTarget target;
        if (smallest is not null && ec2 is not null)
        {
            summary += $" Allow {smallest.InstanceType} (the cheapest type that holds them) on {ec2.Name}, or lower the job definition's requests.";
            target = new RecommendationTarget(ec2.Account, ec2.Region, RecommendationTargetKind.ComputeEnvironment, ec2.Name, ec2.Arn);
            changes = [new ProposedChange("computeResources.instanceTypes", string.Join(",", ec2.InstanceTypes), string.Join(",", ec2.InstanceTypes.Append(smallest.InstanceType)))];
        }
        else
        {
            // No EC2 CE to widen (Fargate only) or no type in the region is that large: the requests must come down.
            var (v, m) = largestAllowed is not null ? (largestAllowed.Vcpus, Usable(largestAllowed)) : (FargateRates.MaxVcpus, FargateRates.MaxMemoryMib);
            summary += string.Create(CultureInfo.InvariantCulture, $" Lower the job definition's requests to at most {Num(v)} vCPU and {m} MiB.");
            target = new RecommendationTarget(queue.Account, queue.Region, RecommendationTargetKind.JobDefinition, defName);
            changes = [new ProposedChange("containerProperties.resourceRequirements",
                string.Create(CultureInfo.InvariantCulture, $"VCPU={Num(shape.Vcpus)},MEMORY={shape.MemoryMib}"),
                string.Create(CultureInfo.InvariantCulture, $"VCPU={Num(Math.Min(shape.Vcpus, v))},MEMORY={Math.Min(shape.MemoryMib, m)}"))];
        }

        var evidence = new List<EvidenceItem>
        {
            EvidenceItem.Table("The job vs the largest instance each CE allows",
                ["Compute environment", "Instance type", "vCPU", "Memory (MiB)", "Usable memory (MiB)", "GPUs"], rows,
                string.Create(CultureInfo.InvariantCulture, $"The job asks for {Num(shape.Vcpus)} vCPU, {shape.MemoryMib} MiB, {shape.Gpus} GPU per node.")),
            WaitingTable(input, jobs),
        };
        return Finding(target, $"never-fits|{defName}|{Num(shape.Vcpus)}|{shape.MemoryMib}|{shape.Gpus}",
            $"{queue.Name}: {defName} fits no allowed instance type", summary, changes, RecommendationSeverity.Critical, evidence,
            [string.Create(CultureInfo.InvariantCulture, $"Jobs can reserve {SlicePacking.UsableMemoryShare:P0} of an instance's memory (ECS agent and OS keep the rest)."),
             "'optimal' and families are expanded as the instance-types rule does.",
             "Fargate tasks are limited to 16 vCPU and 120 GiB, without GPUs."]);
    }

    private static IEnumerable<Recommendation> ExplainFailures(RecommendationInput input)
    {
        foreach (var group in input.Failures.GroupBy(f => (f.Account, f.Region, f.Queue, f.Cause)).OrderBy(g => g.Key.Queue, StringComparer.Ordinal).ThenBy(g => g.Key.Cause, StringComparer.Ordinal))
        {
            var (account, region, queue, cause) = group.Key;
            var facts = group.OrderByDescending(f => f.Count).ThenBy(f => f.JobDefinition, StringComparer.Ordinal).ToList();
            switch (cause)
            {
                case "oom-137":
                    foreach (var f in facts)
                    {
                        yield return OutOfMemory(input, f);
                    }

                    break;
                case "spot-reclaim":
                    foreach (var f in facts)
                    {
                        yield return SpotReclaims(input, f);
                    }

                    break;
                case "image-pull":
                    yield return QueueFailures(input, account, region, queue, cause, facts, RecommendationSeverity.Warning, "image pull errors",
                        "The container image could not be pulled. Check the instance's way to ECR (NAT, or the ecr.api and ecr.dkr endpoints plus the S3 gateway endpoint) and that the execution/instance role allows ecr:GetAuthorizationToken, ecr:BatchGetImage and ecr:GetDownloadUrlForLayer; check the image tag exists.");
                    break;
                case "exit-code":
                    yield return QueueFailures(input, account, region, queue, cause, facts, RecommendationSeverity.Info, "application exit codes",
                        "The application exited non-zero: look at the job's log stream. If some exit codes are transient, retry only those with retryStrategy.evaluateOnExit (onExitCode) so that permanent errors do not pay for retries.");
                    break;
                default:
                    // "other": no exit code and no known reason (e.g. cancelled or timed out); no advice to give.
                    break;
            }
        }
    }

    private static Recommendation OutOfMemory(RecommendationInput input, FailureFact f)
    {
        var def = f.JobDefinition ?? "(unknown definition)";
        // Memory use is not measured: the request is the observed ceiling, and 1.5× it (rounded to 512 MiB) is a first step.
        var proposed = f.MaxMemoryMib > 0 ? (long)(Math.Ceiling(f.MaxMemoryMib * 1.5 / 512.0) * 512) : 0;
        var monthly = decimal.Round(f.CostUsd * input.MonthlyFactor, 2);
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{f.Count} attempt(s) of {def} on queue {f.Queue} were killed for running out of memory (exit code 137), costing {f.CostUsd:0.00} USD ({monthly:0.00} USD/month). The largest memory request among them was {f.MaxMemoryMib} MiB: raise the job definition's memory");
        summary += proposed > 0 ? string.Create(CultureInfo.InvariantCulture, $" to about {proposed} MiB.") : ".";
        IReadOnlyList<ProposedChange> changes = proposed > 0
            ? [new ProposedChange("containerProperties.resourceRequirements.MEMORY", f.MaxMemoryMib.ToString(CultureInfo.InvariantCulture), proposed.ToString(CultureInfo.InvariantCulture))]
            : [];
        return new Recommendation(RuleId, new RecommendationTarget(f.Account, f.Region, RecommendationTargetKind.JobDefinition, def),
            $"{def}: out of memory (137)", summary, changes, new SavingsEstimate(monthly, 0m, monthly), RecommendationConfidence.Medium,
            f.Count >= 10 ? RecommendationSeverity.Warning : RecommendationSeverity.Info, [FailureTable(input, [f])],
            ["Memory use is not measured; the request of the failed jobs is the observed maximum and 1.5× it a first step.",
             "Savings = the cost of the failed attempts per month (they would succeed the first time); the larger request makes each run dearer, so the low end is 0.",
             CostNote],
            string.Join('|', "oom-137", f.Queue, RecommendationFingerprint.SavingsBucket(monthly)));
    }

    private static Recommendation SpotReclaims(RecommendationInput input, FailureFact f)
    {
        var def = f.JobDefinition ?? "(unknown definition)";
        var monthly = decimal.Round(f.CostUsd * input.MonthlyFactor, 2);
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{f.Count} attempt(s) of {def} on queue {f.Queue} were stopped by Spot reclaims (\"Host EC2 … terminated\"), costing {f.CostUsd:0.00} USD ({monthly:0.00} USD/month) of work lost. Retry them automatically with retryStrategy.evaluateOnExit (onStatusReason \"Host EC2*\" → RETRY, everything else → EXIT) and at least 3 attempts, and diversify the Spot CE's instance types (10 or more) so reclaims are rarer.");
        return new Recommendation(RuleId, new RecommendationTarget(f.Account, f.Region, RecommendationTargetKind.JobDefinition, def),
            $"{def}: Spot reclaims", summary,
            [new ProposedChange("retryStrategy.evaluateOnExit", "(not harvested)", "[{onStatusReason: \"Host EC2*\", action: RETRY}, {onReason: \"*\", action: EXIT}]")],
            SavingsEstimate.None, RecommendationConfidence.High, f.Count >= 10 ? RecommendationSeverity.Warning : RecommendationSeverity.Info, [FailureTable(input, [f])],
            ["A reclaimed attempt's work is lost and paid for; retries make the job finish but do not get that money back.",
             "The instance-types rule proposes the diversified type list for Spot CEs.",
             CostNote],
            string.Join('|', "spot-reclaim", f.Queue, RecommendationFingerprint.SavingsBucket(monthly)));
    }

    private static Recommendation QueueFailures(RecommendationInput input, string account, string region, string queue, string cause, List<FailureFact> facts,
        RecommendationSeverity severity, string what, string advice)
    {
        var count = facts.Sum(f => f.Count);
        var cost = facts.Sum(f => f.CostUsd);
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{count} failed attempt(s) on queue {queue} from {what} ({facts.Count} job definition(s)), costing {cost:0.00} USD ({cost * input.MonthlyFactor:0.00} USD/month). {advice}");
        return new Recommendation(RuleId, new RecommendationTarget(account, region, RecommendationTargetKind.JobQueue, queue),
            $"{queue}: {what}", summary, [], SavingsEstimate.None, RecommendationConfidence.Medium, severity, [FailureTable(input, facts)], [CostNote],
            string.Join('|', cause, RecommendationFingerprint.SavingsBucket(count)));
    }

    private const string CostNote = "Attempt costs come from the cost model (share of the instance while the attempt ran); attempts it has not priced count as 0.";

    private static Recommendation Finding(RecommendationTarget target, string key, string title, string summary,
        IReadOnlyList<ProposedChange> changes, RecommendationSeverity severity, IReadOnlyList<EvidenceItem> evidence, IReadOnlyList<string> assumptions) =>
        new(RuleId, target, title, summary, changes, SavingsEstimate.None, RecommendationConfidence.High, severity, evidence, assumptions,
            // The cause is the evidence: the advice comes back after dismissal only for another cause.
            key + "|" + target.Name);

    /// <summary>The RUNNABLE jobs grouped by queue, definition and shape, with their waits (also the evidence of NetworkPathRule's no-path finding).</summary>
    internal static EvidenceItem WaitingTable(RecommendationInput input, IReadOnlyCollection<StuckJobFact> jobs) =>
        EvidenceItem.Table("RUNNABLE jobs",
            ["Queue", "Job definition", "Jobs", "vCPU", "Memory (MiB)", "GPUs", "Oldest wait", "Median wait"],
            jobs.GroupBy(j => (j.Queue, j.JobDefinition, j.Vcpus, j.MemoryMib, j.Gpus))
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key.JobDefinition, StringComparer.Ordinal)
                .Select(g =>
                {
                    var waits = g.Select(j => input.NowMs - j.CreatedAtMs).Order().ToList();
                    return (IReadOnlyList<string>)[g.Key.Queue, g.Key.JobDefinition ?? "", g.Count().ToString(CultureInfo.InvariantCulture), Num(g.Key.Vcpus),
                        g.Key.MemoryMib.ToString(CultureInfo.InvariantCulture), g.Key.Gpus.ToString(CultureInfo.InvariantCulture), Duration(waits[^1]), Duration(waits[waits.Count / 2])];
                }).ToList());

    private static EvidenceItem CeTable(ComputeEnvironmentConfig ce, RecommendationInput input)
    {
        var path = input.Network.FirstOrDefault(n => n.Account == ce.Account && n.Region == ce.Region && n.ComputeEnvironment == ce.Name)?.Path ?? "";
        return EvidenceItem.Table("Compute environment",
            ["Name", "State", "Status", "Status reason", "Network path", "maxvCpus", "desiredvCpus", "Running vCPUs"],
            [[ce.Name, ce.State ?? "", ce.Status ?? "", ce.StatusReason ?? "", path, ce.MaxvCpus?.ToString(CultureInfo.InvariantCulture) ?? "",
                ce.DesiredvCpus?.ToString(CultureInfo.InvariantCulture) ?? "", Num(ce.RunningVcpus)]]);
    }

    private static EvidenceItem FailureTable(RecommendationInput input, IReadOnlyList<FailureFact> facts) =>
        EvidenceItem.Table("Failed attempts",
            ["Queue", "Job definition", "Cause", "Attempts", "Cost (USD)", "Monthly (USD)", "Largest memory request (MiB)"],
            facts.Select(f => (IReadOnlyList<string>)[f.Queue, f.JobDefinition ?? "", f.Cause, f.Count.ToString(CultureInfo.InvariantCulture),
                f.CostUsd.ToString("0.00", CultureInfo.InvariantCulture), (f.CostUsd * input.MonthlyFactor).ToString("0.00", CultureInfo.InvariantCulture),
                f.MaxMemoryMib.ToString(CultureInfo.InvariantCulture)]).ToList());

    /// <summary>The catalog types a managed EC2 CE may launch (its list expanded as <see cref="InstanceTypesRule.Expand"/> does).</summary>
    private static List<InstanceOffer> AllowedOffers(ComputeEnvironmentConfig ce, List<InstanceOffer> offers)
    {
        var types = InstanceTypesRule.Expand(ce.InstanceTypes, offers).ToHashSet(StringComparer.Ordinal);
        return offers.Where(o => types.Contains(o.InstanceType)).ToList();
    }

    private static bool CanRun(ComputeEnvironmentConfig ce, List<InstanceOffer> allowed, JobShape shape) =>
        ce.IsFargate
            ? shape.Vcpus <= FargateRates.MaxVcpus && shape.MemoryMib <= FargateRates.MaxMemoryMib && shape.Gpus == 0
            // A type list the catalog does not know cannot be judged: assume it fits rather than raise a false alarm.
            : allowed.Count == 0 || allowed.Any(o => Holds(o, shape));

    /// <summary>Capacity only (a CPU job may run on a GPU type): vCPU, usable memory and GPUs Batch can schedule (NVIDIA).</summary>
    private static bool Holds(InstanceOffer o, JobShape shape) =>
        shape.Vcpus <= o.Vcpus + 1e-9 && shape.MemoryMib <= Usable(o) && shape.Gpus <= o.SchedulableGpus;

    /// <summary>"2 GPU", or for a non-NVIDIA accelerator why a job can use none of them.</summary>
    private static string GpuPhrase(InstanceOffer o) => o.AllGpusSchedulable
        ? string.Create(CultureInfo.InvariantCulture, $"{o.Gpus} GPU")
        : string.Create(CultureInfo.InvariantCulture, $"no GPU a job can use: {o.Gpus} × {o.GpuModel}, and Batch schedules NVIDIA GPUs only");

    private static long Usable(InstanceOffer o) => (long)(o.MemoryMib * SlicePacking.UsableMemoryShare);

    /// <summary>The largest type on the dimension the job lacks most: memory for memory-bound jobs, vCPU for CPU-bound, GPUs for GPU jobs.</summary>
    private static InstanceOffer? Largest(List<InstanceOffer> offers, JobShape shape)
    {
        if (offers.Count == 0)
        {
            return null;
        }

        double Short(InstanceOffer o) => Math.Max(Math.Max(shape.Vcpus / Math.Max(o.Vcpus, 1), shape.MemoryMib / (double)Math.Max(Usable(o), 1)),
            shape.Gpus > 0 ? shape.Gpus / (double)Math.Max(o.Gpus, 1e-9) : 0);
        return offers.OrderBy(Short).ThenByDescending(o => o.MemoryMib).ThenBy(o => o.InstanceType, StringComparer.Ordinal).First();
    }

    private static string Architecture(List<InstanceOffer> allowed) =>
        allowed.Count > 0 && allowed.All(o => o.Architectures.Contains("arm64") && !o.Architectures.Contains("x86_64")) ? "arm64" : "x86_64";

    private static JobShape Shape(StuckJobFact s) => new(s.Vcpus, s.MemoryMib, s.Gpus);

    private static string Reason(string? reason) => string.IsNullOrWhiteSpace(reason) ? "" : $" ({reason})";

    private static string Num(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Mib(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A wait as people read it: "45 min", "3.5 h", "2.1 d".</summary>
    public static string Duration(long ms)
    {
        var minutes = Math.Max(0, ms) / 60_000.0;
        return minutes < 90 ? string.Create(CultureInfo.InvariantCulture, $"{minutes:0} min")
            : minutes < 48 * 60 ? string.Create(CultureInfo.InvariantCulture, $"{minutes / 60:0.#} h")
            : string.Create(CultureInfo.InvariantCulture, $"{minutes / 1440:0.#} d");
    }
}
