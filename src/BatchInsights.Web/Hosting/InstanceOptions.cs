using BatchInsights.Core.Data;
using Microsoft.Extensions.Options;

namespace BatchInsights.Web.Hosting;

/// <summary>What one process of a scaled-out deployment does.</summary>
public enum InstanceRole
{
    /// <summary>UI, JSON API and the Hangfire server: the single-instance default.</summary>
    All,

    /// <summary>The Hangfire server only (harvests, roll-ups, reports); answers nothing but /healthz.</summary>
    Worker,

    /// <summary>UI and JSON API only; jobs it enqueues (e.g. an apply) run on a Worker or All instance.</summary>
    Ui,
}

/// <summary>The "Instance" section of appsettings.json.</summary>
public sealed class InstanceOptions
{
    public const string Section = "Instance";

    public InstanceRole Role { get; set; } = InstanceRole.All;

    /// <summary>Runs a Hangfire server, so jobs queued by any instance can run here.</summary>
    public bool RunsJobs => Role != InstanceRole.Ui;

    /// <summary>Maps the Blazor UI, the JSON API and the Hangfire dashboard.</summary>
    public bool ServesUi => Role != InstanceRole.Worker;
}

/// <summary>
/// A split role only makes sense when another process shares the work, and only PostgreSQL is shared between
/// processes (the SQLite files belong to one process on one machine).
/// </summary>
internal sealed class ValidateInstanceOptions(IOptions<DatabaseOptions> database) : IValidateOptions<InstanceOptions>
{
    public ValidateOptionsResult Validate(string? name, InstanceOptions options)
    {
        if (!Enum.IsDefined(options.Role))
        {
            return ValidateOptionsResult.Fail($"{InstanceOptions.Section}:{nameof(InstanceOptions.Role)} '{options.Role}' must be All, Worker or Ui.");
        }

        if (options.Role != InstanceRole.All && database.Value.Provider != DatabaseProvider.Postgres)
        {
            return ValidateOptionsResult.Fail(
                $"{InstanceOptions.Section}:{nameof(InstanceOptions.Role)} '{options.Role}' needs Database:Provider Postgres: "
                + "several instances share their work through one PostgreSQL database. With SQLite run a single instance with Role All.");
        }

        return ValidateOptionsResult.Success;
    }
}
