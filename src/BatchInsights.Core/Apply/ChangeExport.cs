using System.Globalization;
using System.Text;
using System.Text.Json;
using BatchInsights.Core.Aws;

namespace BatchInsights.Core.Apply;

/// <summary>
/// The same change as infrastructure code, for teams whose CEs are managed by Terraform or CloudFormation (applying it
/// through the API would be undone by their next plan/deploy), or who want to run it themselves with the AWS CLI.
/// Only the fields in the request appear, with their names in each tool's own schema.
/// </summary>
public static class ChangeExport
{
    /// <summary>Tags that say a CE is managed by infrastructure code: CloudFormation's own stack tag, plus the configured ones ("key" or "key=value").</summary>
    public static string? ManagedBy(IReadOnlyDictionary<string, string> tags, IEnumerable<string> configuredTags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentNullException.ThrowIfNull(configuredTags);
        if (tags.TryGetValue("aws:cloudformation:stack-name", out var stack))
        {
            return $"CloudFormation stack {stack} (tag aws:cloudformation:stack-name)";
        }

        foreach (var entry in configuredTags)
        {
            var parts = entry.Split('=', 2);
            if (tags.TryGetValue(parts[0], out var value) && (parts.Length == 1 || string.Equals(value, parts[1], StringComparison.OrdinalIgnoreCase)))
            {
                return $"tag {parts[0]}={value}";
            }
        }

        return null;
    }

    /// <summary>An AWS CLI command (one line of JSON arguments, shell-quoted) that makes exactly this request.</summary>
    public static string AwsCli(ComputeEnvironmentUpdate request, string? region = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sb = new StringBuilder("aws batch update-compute-environment");
        if (region is not null)
        {
            sb.Append(" --region ").Append(region);
        }

        sb.Append(" --compute-environment ").Append(ShellQuote(request.ComputeEnvironment));
        if (request.State is not null)
        {
            sb.Append(" --state ").Append(request.State);
        }

        var resources = Resources(request, camel: true);
        if (resources.Count > 0)
        {
            sb.Append(" --compute-resources ").Append(ShellQuote(JsonSerializer.Serialize(resources.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal))));
        }

        if (request.UpdatePolicy is { } policy)
        {
            sb.Append(" --update-policy ").Append(ShellQuote(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["terminateJobsOnUpdate"] = policy.TerminateJobsOnUpdate,
                ["jobExecutionTimeoutMinutes"] = policy.JobExecutionTimeoutMinutes,
            })));
        }

        return sb.ToString();
    }

    /// <summary>The changed arguments of a Terraform <c>aws_batch_compute_environment</c> resource (merge into your own block).</summary>
    public static string Terraform(ComputeEnvironmentUpdate request, string resourceName = "this")
    {
        ArgumentNullException.ThrowIfNull(request);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# Change for compute environment {request.ComputeEnvironment}: set these arguments in your existing block.\n");
        sb.Append(CultureInfo.InvariantCulture, $"resource \"aws_batch_compute_environment\" \"{resourceName}\" {{\n");
        if (request.State is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  state = \"{request.State}\"\n");
        }

        var resources = Resources(request, camel: false);
        if (resources.Count > 0)
        {
            sb.Append("\n  compute_resources {\n");
            foreach (var (key, value) in resources)
            {
                sb.Append(CultureInfo.InvariantCulture, $"    {key} = {Hcl(value)}\n");
            }

            sb.Append("  }\n");
        }

        if (request.DesiredvCpus is not null)
        {
            sb.Append("\n  # Batch moves desired_vcpus itself; most modules ignore it (lifecycle { ignore_changes = [compute_resources[0].desired_vcpus] }).\n");
        }

        if (request.UpdatePolicy is { } policy)
        {
            sb.Append("\n  update_policy {\n");
            sb.Append(CultureInfo.InvariantCulture, $"    terminate_jobs_on_update      = {(policy.TerminateJobsOnUpdate ? "true" : "false")}\n");
            sb.Append(CultureInfo.InvariantCulture, $"    job_execution_timeout_minutes = {policy.JobExecutionTimeoutMinutes}\n");
            sb.Append("  }\n");
        }

        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>A CloudFormation property patch for the <c>AWS::Batch::ComputeEnvironment</c> resource (YAML).</summary>
    public static string CloudFormation(ComputeEnvironmentUpdate request, string logicalId = "ComputeEnvironment")
    {
        ArgumentNullException.ThrowIfNull(request);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# Change for compute environment {request.ComputeEnvironment}: merge into the resource's Properties.\n");
        sb.Append(CultureInfo.InvariantCulture, $"{logicalId}:\n  Type: AWS::Batch::ComputeEnvironment\n  Properties:\n");
        if (request.State is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"    State: {request.State}\n");
        }

        var resources = Resources(request, camel: true);
        if (resources.Count > 0)
        {
            sb.Append("    ComputeResources:\n");
            foreach (var (key, value) in resources)
            {
                var name = char.ToUpperInvariant(key[0]) + key[1..];
                if (value is IReadOnlyList<string> list)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"      {name}:\n");
                    foreach (var item in list)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"        - {item}\n");
                    }
                }
                else
                {
                    sb.Append(CultureInfo.InvariantCulture, $"      {name}: {Convert.ToString(value, CultureInfo.InvariantCulture)}\n");
                }
            }
        }

        if (request.UpdatePolicy is { } policy)
        {
            sb.Append("    UpdatePolicy:\n");
            sb.Append(CultureInfo.InvariantCulture, $"      TerminateJobsOnUpdate: {(policy.TerminateJobsOnUpdate ? "true" : "false")}\n");
            sb.Append(CultureInfo.InvariantCulture, $"      JobExecutionTimeoutMinutes: {policy.JobExecutionTimeoutMinutes}\n");
        }

        return sb.ToString();
    }

    /// <summary>The computeResources fields of the request, in API (camelCase) or Terraform (snake_case) names.</summary>
    private static List<KeyValuePair<string, object>> Resources(ComputeEnvironmentUpdate r, bool camel)
    {
        var list = new List<KeyValuePair<string, object>>();
        void Add(string api, string tf, object? value)
        {
            if (value is not null)
            {
                list.Add(new(camel ? api : tf, value));
            }
        }

        Add("minvCpus", "min_vcpus", r.MinvCpus);
        Add("maxvCpus", "max_vcpus", r.MaxvCpus);
        Add("desiredvCpus", "desired_vcpus", r.DesiredvCpus);
        Add("instanceTypes", "instance_type", r.InstanceTypes);
        Add("bidPercentage", "bid_percentage", r.BidPercentage);
        Add("allocationStrategy", "allocation_strategy", r.AllocationStrategy);
        return list;
    }

    private static string Hcl(object value) => value switch
    {
        IReadOnlyList<string> list => "[" + string.Join(", ", list.Select(s => $"\"{s}\"")) + "]",
        string s => $"\"{s}\"",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>POSIX single quotes: safe for any CE name or JSON (a ' becomes '\'').</summary>
    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
