using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace BatchInsights.Tests.Infra;

/// <summary>The deployment files of the repository (infra/, compose.yaml), read as JSON trees.</summary>
internal static class InfraFiles
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string InfraDirectory => Path.Combine(RepositoryRoot, "infra");

    public static IReadOnlyList<string> Templates() =>
        Directory.GetFiles(InfraDirectory, "*.yaml").Order(StringComparer.Ordinal).ToList();

    public static JsonObject Json(string relativePath) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot, relativePath)))?.AsObject()
            ?? throw new InvalidOperationException($"{relativePath} is empty");

    /// <summary>
    /// A CloudFormation (or compose) YAML file as the JSON CloudFormation would see: short-form tags become their long
    /// form (<c>!Ref X</c> → <c>{"Ref": "X"}</c>, <c>!Sub s</c> → <c>{"Fn::Sub": s}</c>, <c>!GetAtt A.B</c> → <c>{"Fn::GetAtt": ["A", "B"]}</c>).
    /// </summary>
    public static JsonObject Yaml(string relativePath)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(RepositoryRoot, relativePath)))
        {
            stream.Load(reader);
        }

        return ToJson(stream.Documents[0].RootNode)?.AsObject() ?? throw new InvalidOperationException($"{relativePath} is empty");
    }

    private static JsonNode? ToJson(YamlNode node)
    {
        var tag = node.Tag.IsEmpty ? null : node.Tag.Value;
        JsonNode? value = node switch
        {
            YamlMappingNode map => new JsonObject(map.Children.Select(p =>
                KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", ToJson(p.Value)))),
            YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
            YamlScalarNode scalar => Scalar(scalar, tag),
            _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType} at {node.Start}"),
        };
        if (tag is null || !tag.StartsWith('!') || tag.StartsWith("tag:", StringComparison.Ordinal))
        {
            return value;
        }

        var name = tag[1..];
        if (name == "GetAtt" && value is JsonValue dotted)
        {
            var text = dotted.GetValue<string>();
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            value = new JsonArray(text[..dot], text[(dot + 1)..]);
        }

        var key = name is "Ref" or "Condition" ? name : "Fn::" + name;
        return new JsonObject { [key] = value };
    }

    private static JsonNode? Scalar(YamlScalarNode scalar, string? tag)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is YamlDotNet.Core.ScalarStyle.Plain && tag is null)
        {
            if (text is "true" or "false")
            {
                return JsonValue.Create(text == "true");
            }

            if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
            {
                return JsonValue.Create(number);
            }

            if (text is "null" or "~" or "")
            {
                return null;
            }
        }

        return JsonValue.Create(text);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BatchInsights.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"BatchInsights.sln not found above {AppContext.BaseDirectory}; run the tests from the repository.");
    }
}
