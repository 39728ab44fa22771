using BatchInsights.Sandbox.Simulation;
using Microsoft.Extensions.Options;

namespace BatchInsights.Web.Hosting;

/// <summary>Which start-up failures are the user's configuration, and how to say so in one line.</summary>
internal static class StartupErrors
{
    public static bool IsConfigurationError(Exception e) => e is OptionsValidationException or ScenarioException or DatabaseUnavailableException
        // The configuration binder names the key: "Failed to convert configuration value at 'Aws:Mode' to type ...".
        || (e is InvalidOperationException && e.Message.Contains("configuration value", StringComparison.OrdinalIgnoreCase));

    public static string Describe(Exception e) => e switch
    {
        OptionsValidationException v => string.Join(" ", v.Failures),
        ScenarioException s => $"Sandbox:ScenarioPath: {s.Message}",
        _ => e.Message,
    };
}

/// <summary>The database named by Database:Provider / Database:ConnectionString could not be opened or migrated.</summary>
internal sealed class DatabaseUnavailableException(string message, Exception inner) : Exception(message, inner);
