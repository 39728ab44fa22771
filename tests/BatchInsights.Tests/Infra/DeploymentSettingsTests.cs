using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;
using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Infra;

/// <summary>
/// The environment variables compose.yaml and the CloudFormation task definition set must name real settings:
/// a typo (Database__Provdier) would be ignored silently and the app would run on its defaults.
/// </summary>
public sealed class DeploymentSettingsTests
{
    // Host settings that are not in an options class.
    private static readonly HashSet<string> HostKeys = new(StringComparer.OrdinalIgnoreCase) { "Urls" };

    [Fact]
    public void ComposeFile_AppEnvironment_NamesRealSettings_AndUsesPostgres()
    {
        var compose = InfraFiles.Yaml("compose.yaml");
        var environment = compose["services"]!["app"]!["environment"]!.AsObject();

        AssertAllKnown(environment.Select(e => e.Key), "compose.yaml services.app.environment");
        Assert.Equal("Postgres", environment["Database__Provider"]!.GetValue<string>());
        Assert.Contains("Host=db;", environment["Database__ConnectionString"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("${AWS_MODE:-Sandbox}", environment["Aws__Mode"]!.GetValue<string>());
        Assert.Equal("postgres:17", compose["services"]!["db"]!["image"]!.GetValue<string>());
    }

    [Fact]
    public void AppTemplate_ContainerSettings_NameRealSettings()
    {
        var container = InfraFiles.Yaml("infra/batchinsights.yaml")["Resources"]!["TaskDefinition"]!["Properties"]!["ContainerDefinitions"]![0]!;
        var names = container["Environment"]!.AsArray().Concat(container["Secrets"]!.AsArray()).Select(e => e!["Name"]!.GetValue<string>());

        AssertAllKnown(names, "infra/batchinsights.yaml container Environment/Secrets");
    }

    [Fact]
    public void SettingCheck_RejectsAMisspelledKey()
    {
        Assert.Null(UnknownPart("Database__Provider"));
        Assert.Null(UnknownPart("Aws__Targets__0__RoleArn"));
        Assert.Equal("Provdier", UnknownPart("Database__Provdier"));
        Assert.Equal("Nope", UnknownPart("Nope__Mode"));
    }

    private static void AssertAllKnown(IEnumerable<string> names, string where)
    {
        var unknown = names.Select(n => (Name: n, Part: UnknownPart(n))).Where(x => x.Part is not null).ToList();
        Assert.True(unknown.Count == 0, $"{where} sets unknown settings: {string.Join(", ", unknown.Select(u => $"{u.Name} ('{u.Part}')"))}");
    }

    /// <summary>The first segment of an environment variable name ("A__B__0__C") that no options property matches, or null.</summary>
    private static string? UnknownPart(string name)
    {
        var parts = name.Split("__");
        if (parts.Length == 1 && HostKeys.Contains(name))
        {
            return null;
        }

        var sections = OptionsSections();
        if (!sections.TryGetValue(parts[0], out var type))
        {
            return parts[0];
        }

        foreach (var part in parts.Skip(1))
        {
            if (int.TryParse(part, out _) && ElementType(type) is { } element)
            {
                type = element;
                continue;
            }

            var property = type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                return part;
            }

            type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        }

        return null;
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0]
        : null;

    /// <summary>Every options class (a public const Section) in Core and the web host, by section name.</summary>
    private static Dictionary<string, Type> OptionsSections() =>
        new[] { typeof(AwsOptions).Assembly, typeof(BatchInsights.Web.Hosting.HealthCheckCommand).Assembly }
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .ToDictionary(x => (string)x.Field!.GetRawConstantValue()!, x => x.Type, StringComparer.OrdinalIgnoreCase);
}
