using System.Reflection;
using System.Reflection.Emit;
using Amazon.Runtime;
using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Infra;

/// <summary>
/// The IAM actions BatchInsights' code can call, read from the compiled Core assembly rather than listed by hand:
/// <list type="bullet">
/// <item>every <see cref="AwsOperation"/> field (our JSON clients can send nothing else) that code outside
/// <see cref="AwsOperation"/> actually loads;</item>
/// <item>every <c>…Async</c> method of an AWSSDK service client (<see cref="IAmazonService"/>: EC2, STS) that a method body
/// in Core calls, found by walking the IL (lambdas and async state machines included).</item>
/// </list>
/// </summary>
internal static class AwsActionsInCode
{
    // IAM prefix of each AWSSDK service namespace Core uses. A new SDK service fails loudly until it is added here.
    private static readonly Dictionary<string, string> SdkIamPrefixes = new(StringComparer.Ordinal)
    {
        ["Amazon.EC2"] = "ec2",
        ["Amazon.SecurityToken"] = "sts",
    };

    private static readonly Lazy<Derived> Result = new(Derive);

    /// <summary>"batch:DescribeJobs", "ec2:DescribeInstances", "sts:AssumeRole", …</summary>
    public static IReadOnlySet<string> All => Result.Value.Actions;

    /// <summary>Where each action was found, for failure messages.</summary>
    public static IReadOnlyDictionary<string, string> Origins => Result.Value.Origins;

    /// <summary>Registry fields nobody loads (they would grant a call the code never makes).</summary>
    public static IReadOnlyList<string> UnusedRegistryEntries => Result.Value.Unused;

    /// <summary>Describe*, List*, Get* and the two STS identity calls read; everything else can change something.</summary>
    public static bool IsReadOnly(string action)
    {
        var name = action[(action.IndexOf(':', StringComparison.Ordinal) + 1)..];
        return name.StartsWith("Describe", StringComparison.Ordinal)
            || name.StartsWith("List", StringComparison.Ordinal)
            || name.StartsWith("Get", StringComparison.Ordinal)
            || action is "sts:AssumeRole" or "sts:GetCallerIdentity";
    }

    private sealed record Derived(IReadOnlySet<string> Actions, IReadOnlyDictionary<string, string> Origins, IReadOnlyList<string> Unused);

    private static Derived Derive()
    {
        // Core holds every AWS client; the web host is scanned too, so a call added there cannot slip past.
        Assembly[] assemblies = [typeof(AwsOperation).Assembly, typeof(BatchInsights.Web.Hosting.HealthCheckCommand).Assembly];
        var registry = RegistryFields();
        var origins = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var loaded = new HashSet<FieldInfo>();

        foreach (var (caller, member) in assemblies.SelectMany(IlReader.MemberReferences))
        {
            if (member is FieldInfo field && registry.ContainsKey(field) && !IsInsideRegistry(caller.DeclaringType))
            {
                loaded.Add(field);
            }
            else if (member is MethodInfo method && IsSdkServiceCall(method))
            {
                var ns = method.DeclaringType!.Namespace ?? "";
                if (!SdkIamPrefixes.TryGetValue(ns, out var prefix))
                {
                    throw new InvalidOperationException(
                        $"{caller.DeclaringType}.{caller.Name} calls {method.DeclaringType}.{method.Name}: add the IAM prefix of {ns} to {nameof(SdkIamPrefixes)}.");
                }

                var action = $"{prefix}:{method.Name[..^"Async".Length]}";
                origins.TryAdd(action, $"{Describe(caller)} calls {method.DeclaringType!.Name}.{method.Name}");
            }
            else if (member.DeclaringType?.Name.Contains("Paginator", StringComparison.Ordinal) == true)
            {
                throw new InvalidOperationException($"{Describe(caller)} uses an AWSSDK paginator ({member.DeclaringType}); teach {nameof(AwsActionsInCode)} to map it to its action.");
            }
        }

        foreach (var field in loaded)
        {
            var operation = registry[field];
            origins.TryAdd(operation.IamAction, $"{nameof(AwsOperation)}.{field.DeclaringType!.Name}.{field.Name}");
        }

        var unused = registry.Keys.Where(f => !loaded.Contains(f)).Select(f => $"{nameof(AwsOperation)}.{f.DeclaringType!.Name}.{f.Name}").Order(StringComparer.Ordinal).ToList();
        return new Derived(new SortedSet<string>(origins.Keys, StringComparer.Ordinal), origins, unused);
    }

    private static Dictionary<FieldInfo, AwsOperation> RegistryFields() =>
        typeof(AwsOperation).GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic).Prepend(typeof(AwsOperation))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(f => f.FieldType == typeof(AwsOperation))
            .ToDictionary(f => f, f => (AwsOperation)f.GetValue(null)!);

    private static bool IsInsideRegistry(Type? type) =>
        type is not null && (type == typeof(AwsOperation) || IsInsideRegistry(type.DeclaringType));

    private static bool IsSdkServiceCall(MethodInfo method) =>
        method.DeclaringType is { } type
        && typeof(IAmazonService).IsAssignableFrom(type)
        && method.Name.EndsWith("Async", StringComparison.Ordinal)
        && method.Name != "DisposeAsync";

    private static string Describe(MethodBase method)
    {
        // Lambdas and async state machines are nested compiler types ("<DescribeVpcEndpointsAsync>d__12"): name the
        // user type that holds them and the method they came from.
        var type = method.DeclaringType;
        var name = method.Name;
        while (type?.DeclaringType is not null && type.Name.StartsWith('<'))
        {
            name = type.Name[1..type.Name.IndexOf('>', StringComparison.Ordinal)] is { Length: > 0 } source ? source : name;
            type = type.DeclaringType;
        }

        return $"{type?.Name}.{name}";
    }
}

/// <summary>Walks method bodies' IL and resolves the fields and methods they reference.</summary>
internal static class IlReader
{
    private static readonly Dictionary<ushort, OpCode> Codes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => unchecked((ushort)o.Value));

    public static IEnumerable<(MethodBase Caller, MemberInfo Member)> MemberReferences(Assembly assembly)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                var il = method.GetMethodBody()?.GetILAsByteArray();
                if (il is null)
                {
                    continue;
                }

                var typeArguments = type.IsGenericType ? type.GetGenericArguments() : null;
                var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
                foreach (var token in MemberTokens(il, method))
                {
                    yield return (method, method.Module.ResolveMember(token, typeArguments, methodArguments)
                        ?? throw new InvalidOperationException($"token {token:x8} in {type}.{method.Name} did not resolve"));
                }
            }
        }
    }

    private static List<int> MemberTokens(byte[] il, MethodBase method)
    {
        var tokens = new List<int>();
        var position = 0;
        while (position < il.Length)
        {
            ushort value = il[position++];
            if (value == 0xFE)
            {
                value = (ushort)(0xFE00 | il[position++]);
            }

            if (!Codes.TryGetValue(value, out var code))
            {
                throw new InvalidOperationException($"unknown IL opcode 0x{value:x} in {method.DeclaringType}.{method.Name} at {position}");
            }

            switch (code.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField:
                    tokens.Add(BitConverter.ToInt32(il, position));
                    position += 4;
                    break;
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    position += 1;
                    break;
                case OperandType.InlineVar:
                    position += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    position += 8;
                    break;
                case OperandType.InlineSwitch:
                    position += 4 + (4 * BitConverter.ToInt32(il, position));
                    break;
                default: // InlineBrTarget, InlineI, InlineSig, InlineString, InlineTok, InlineType, ShortInlineR
                    position += 4;
                    break;
            }
        }

        return tokens;
    }
}
