using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using BatchInsights.Sandbox.Simulation;
using Microsoft.AspNetCore.Http;

namespace BatchInsights.Sandbox.Protocols;

/// <summary>
/// The EC2 Query protocol: POST / with a form body (Action=…&amp;Version=2016-11-15&amp;…), XML answers shaped as
/// botocore's ec2/2016-11-15 model (lists as &lt;xxxSet&gt;&lt;item&gt;).
/// </summary>
internal static partial class Ec2Query
{
    private delegate Action<XmlWriter> Operation(Ec2Account account, IFormCollection form);

    private static readonly Dictionary<string, Operation> Operations = new(StringComparer.Ordinal)
    {
        ["DescribeInstanceTypes"] = DescribeInstanceTypes,
        ["DescribeInstanceTypeOfferings"] = DescribeInstanceTypeOfferings,
        ["DescribeSpotPriceHistory"] = DescribeSpotPriceHistory,
        ["DescribeAvailabilityZones"] = DescribeAvailabilityZones,
        ["DescribeInstances"] = DescribeInstances,
        ["DescribeSubnets"] = DescribeSubnets,
        ["DescribeRouteTables"] = DescribeRouteTables,
        ["DescribeNatGateways"] = DescribeNatGateways,
        ["DescribeVpcEndpoints"] = DescribeVpcEndpoints,
    };

    /// <summary>Whether a request speaks the EC2 Query protocol (as opposed to REST-JSON or JSON 1.1 with X-Amz-Target).</summary>
    public static bool IsEc2Request(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path == "/" && !request.Headers.ContainsKey("X-Amz-Target") && request.HasFormContentType
        && !CloudWatchProtocol.IsCloudWatchRequest(request);

    public static async Task HandleAsync(HttpContext ctx, Ec2Account account)
    {
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        var action = form["Action"].ToString();
        if (!Operations.TryGetValue(action, out var op))
        {
            await Ec2Xml.WriteErrorAsync(ctx, 400, "InvalidAction", $"The action {action} is not valid for this web service.");
            return;
        }

        Action<XmlWriter> write;
        try
        {
            write = op(account, form);
        }
        catch (Ec2ClientException ex)
        {
            await Ec2Xml.WriteErrorAsync(ctx, 400, ex.Code, ex.Message);
            return;
        }

        await Ec2Xml.WriteAsync(ctx, action, write);
    }

    private static Action<XmlWriter> DescribeInstanceTypes(Ec2Account account, IFormCollection form)
    {
        var names = List(form, "InstanceType");
        if (names.Count > 100) throw new Ec2ClientException("InvalidParameterValue", "You can specify at most 100 instance types.");
        var data = Ec2Data.Default;
        var unknown = names.Where(n => !data.ByName.ContainsKey(n)).ToList();
        if (unknown.Count > 0)
            throw new Ec2ClientException("InvalidInstanceType", $"The following supplied instance types do not exist: [{string.Join(", ", unknown)}]");
        var filters = Filters(form);
        var all = data.InstanceTypes
            .Where(t => names.Count == 0 || names.Contains(t.Name))
            .Where(t => filters.All(f => MatchesInstanceTypeFilter(t.Info, f.Name, f.Values)))
            .ToList();
        var (offset, size) = Page(form, "dit", 5, 100, 100, all.Count);
        var page = all.Skip(offset).Take(size).ToList();
        var next = offset + size < all.Count ? Token("dit", offset + size) : null;
        return w =>
        {
            w.WriteStartElement("instanceTypeSet", Ec2Xml.Namespace);
            foreach (var (_, info) in page) Ec2Xml.WriteJsonAsXml(w, "item", info);
            w.WriteEndElement();
            if (next is not null) w.WriteElementString("nextToken", Ec2Xml.Namespace, next);
        };
    }

    // DescribeInstanceTypes filters by the JSON path of the value they test (the ones a cost tool asks for).
    private static readonly Dictionary<string, string[]> InstanceTypeFilters = new(StringComparer.Ordinal)
    {
        ["instance-type"] = ["InstanceType"],
        ["current-generation"] = ["CurrentGeneration"],
        ["bare-metal"] = ["BareMetal"],
        ["burstable-performance-supported"] = ["BurstablePerformanceSupported"],
        ["free-tier-eligible"] = ["FreeTierEligible"],
        ["hypervisor"] = ["Hypervisor"],
        ["instance-storage-supported"] = ["InstanceStorageSupported"],
        ["memory-info.size-in-mib"] = ["MemoryInfo", "SizeInMiB"],
        ["vcpu-info.default-vcpus"] = ["VCpuInfo", "DefaultVCpus"],
        ["processor-info.supported-architecture"] = ["ProcessorInfo", "SupportedArchitectures"],
        ["supported-usage-class"] = ["SupportedUsageClasses"],
        ["supported-virtualization-type"] = ["SupportedVirtualizationTypes"],
        ["gpu-info.total-gpu-memory-in-mib"] = ["GpuInfo", "TotalGpuMemoryInMiB"],
    };

    private static bool MatchesInstanceTypeFilter(JsonElement info, string name, IReadOnlyList<string> values)
    {
        if (!InstanceTypeFilters.TryGetValue(name, out var path))
            throw new Ec2ClientException("InvalidParameterValue", $"The filter '{name}' is invalid");
        var e = info;
        foreach (var p in path)
        {
            if (!e.TryGetProperty(p, out e)) return false;
        }

        IEnumerable<JsonElement> candidates = e.ValueKind == JsonValueKind.Array ? e.EnumerateArray() : [e];
        return candidates.Any(c => values.Any(v => Wildcard(v, c.ValueKind switch
        {
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.String => c.GetString() ?? "",
            _ => c.GetRawText(),
        })));
    }

    /// <summary>
    /// Which types each location offers. LocationType region (the default: a type offered in any of the account's AZs,
    /// located at the region), availability-zone (zone names) or availability-zone-id (the ids DescribeAvailabilityZones
    /// gives); outpost lists nothing, as the simulated account has no Outposts. Rows by location, then type.
    /// </summary>
    private static Action<XmlWriter> DescribeInstanceTypeOfferings(Ec2Account account, IFormCollection form)
    {
        var locationType = form["LocationType"].ToString() is { Length: > 0 } lt ? lt : "region";
        var data = Ec2Data.Default;
        var zones = account.Zones.Order(StringComparer.Ordinal).ToList();
        IEnumerable<(string Type, string Location)> rows = locationType switch
        {
            "region" => zones.SelectMany(z => data.OfferedTypes(account.Region, z)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .Select(t => (t, account.Region)),
            "availability-zone" => zones.SelectMany(z => data.OfferedTypes(account.Region, z).Select(t => (t, z))),
            "availability-zone-id" => zones.Select(z => (Zone: z, Id: Ec2Data.ZoneId(account.Region, z)))
                .OrderBy(z => z.Id, StringComparer.Ordinal)
                .SelectMany(z => data.OfferedTypes(account.Region, z.Zone).Select(t => (t, z.Id))),
            "outpost" => [],
            _ => throw new Ec2ClientException("InvalidParameterValue",
                $"Value ({locationType}) for parameter locationType is invalid. Valid values: region, availability-zone, availability-zone-id, outpost."),
        };
        var filters = Filters(form);
        if (filters.FirstOrDefault(f => f.Name is not ("location" or "instance-type")) is { Name: { } invalid })
            throw new Ec2ClientException("InvalidParameterValue", $"The filter '{invalid}' is invalid");
        var all = rows
            .Where(r => filters.All(f => f.Values.Any(v => Wildcard(v, f.Name == "location" ? r.Location : r.Type))))
            .ToList();
        var (offset, size) = Page(form, "dito", 5, 1000, 1000, all.Count);
        var page = all.Skip(offset).Take(size).ToList();
        var next = offset + size < all.Count ? Token("dito", offset + size) : null;
        return w =>
        {
            w.WriteStartElement("instanceTypeOfferingSet", Ec2Xml.Namespace);
            foreach (var (type, location) in page)
            {
                w.WriteStartElement("item", Ec2Xml.Namespace);
                w.WriteElementString("instanceType", Ec2Xml.Namespace, type);
                w.WriteElementString("locationType", Ec2Xml.Namespace, locationType);
                w.WriteElementString("location", Ec2Xml.Namespace, location);
                w.WriteEndElement();
            }

            w.WriteEndElement();
            if (next is not null) w.WriteElementString("nextToken", Ec2Xml.Namespace, next);
        };
    }

    private static Action<XmlWriter> DescribeSpotPriceHistory(Ec2Account account, IFormCollection form)
    {
        var now = account.NowMs;
        var floor = now - SpotMarket.HistoryMs;
        var start = Time(form, "StartTime");
        var end = Time(form, "EndTime");
        if (start is { } s0 && end is { } e0 && e0 < s0) throw new Ec2ClientException("InvalidParameterValue", "The end time must be after the start time.");
        var types = List(form, "InstanceType");
        var products = List(form, "ProductDescription");
        var zones = new List<string>();
        if (form["AvailabilityZone"].ToString() is { Length: > 0 } az) zones.Add(az);
        foreach (var (name, values) in Filters(form))
        {
            switch (name)
            {
                case "availability-zone": zones.AddRange(values); break;
                case "instance-type": types.AddRange(values); break;
                case "product-description": products.AddRange(values); break;
                default: throw new Ec2ClientException("InvalidParameterValue", $"The filter '{name}' is invalid");
            }
        }

        var productList = new[] { "Linux/UNIX", "Linux/UNIX (Amazon VPC)" }
            .Where(p => products.Count == 0 || products.Any(v => Wildcard(v, p)))
            .ToList();

        // Paging must not drift while the clock moves: the first page fixes the window and later tokens carry it.
        var token = form["NextToken"].ToString();
        long windowStart, windowEnd;
        int offset;
        if (token.Length > 0)
        {
            var parts = ParseToken(token, "sph").Split('|');
            if (parts.Length != 3
                || !long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out windowStart)
                || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out windowEnd)
                || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                throw InvalidToken();
        }
        else
        {
            windowEnd = Math.Min(end ?? now, now);
            windowStart = Math.Max(start ?? floor, floor);
            offset = 0;
        }

        var market = account.Market;
        IEnumerable<int> pools = types.Count == 0
            ? market.DefaultPools
            : market.Zones.SelectMany(z => types.Distinct(StringComparer.Ordinal).Select(t => market.PoolOf(z, t))).Where(i => i >= 0);
        var poolList = pools.Where(i => zones.Count == 0 || zones.Any(z => Wildcard(z, market.Pool(i).Zone))).ToList();
        var changes = new List<SpotPriceChange>();
        if (windowStart <= windowEnd)
        {
            foreach (var pool in poolList) changes.AddRange(market.History(pool, windowStart, windowEnd, floor));
        }

        // Newest first; ties in a stable pool order (zone, then type).
        changes.Sort((a, b) =>
        {
            var byTime = b.TimestampMs.CompareTo(a.TimestampMs);
            if (byTime != 0) return byTime;
            var pa = market.Pool(a.Pool);
            var pb = market.Pool(b.Pool);
            var byZone = string.CompareOrdinal(pa.Zone, pb.Zone);
            return byZone != 0 ? byZone : string.CompareOrdinal(pa.InstanceType, pb.InstanceType);
        });
        var total = changes.Count * productList.Count;
        var (_, size) = Page(form, "sph", 5, 1000, 1000, total, parseToken: false);
        var items = Enumerable.Range(offset, Math.Max(0, Math.Min(size, total - offset)))
            .Select(i => (Change: changes[i / productList.Count], Product: productList[i % productList.Count]))
            .ToList();
        var next = offset + size < total
            ? Token("sph", string.Create(CultureInfo.InvariantCulture, $"{windowStart}|{windowEnd}|{offset + size}"))
            : null;
        return w =>
        {
            w.WriteStartElement("spotPriceHistorySet", Ec2Xml.Namespace);
            foreach (var (change, product) in items)
            {
                var pool = market.Pool(change.Pool);
                w.WriteStartElement("item", Ec2Xml.Namespace);
                w.WriteElementString("instanceType", Ec2Xml.Namespace, pool.InstanceType);
                w.WriteElementString("productDescription", Ec2Xml.Namespace, product);
                w.WriteElementString("spotPrice", Ec2Xml.Namespace, change.Price.ToString("0.000000", CultureInfo.InvariantCulture));
                w.WriteElementString("timestamp", Ec2Xml.Namespace,
                    DateTimeOffset.FromUnixTimeMilliseconds(change.TimestampMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                w.WriteElementString("availabilityZone", Ec2Xml.Namespace, pool.Zone);
                w.WriteElementString("availabilityZoneId", Ec2Xml.Namespace, Ec2Data.ZoneId(account.Region, pool.Zone));
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteElementString("nextToken", Ec2Xml.Namespace, next ?? "");
        };
    }

    private static Action<XmlWriter> DescribeAvailabilityZones(Ec2Account account, IFormCollection form)
    {
        var names = List(form, "ZoneName");
        var ids = List(form, "ZoneId");
        var zones = account.Zones.Select(z => (Name: z, Id: Ec2Data.ZoneId(account.Region, z))).ToList();
        var unknown = names.Where(n => zones.All(z => z.Name != n)).Concat(ids.Where(i => zones.All(z => z.Id != i))).ToList();
        if (unknown.Count > 0)
            throw new Ec2ClientException("InvalidParameterValue", $"The zone '{unknown[0]}' does not exist.");
        var filters = Filters(form);
        var selected = zones
            .Where(z => (names.Count == 0 && ids.Count == 0) || names.Contains(z.Name) || ids.Contains(z.Id))
            .Where(z => filters.All(f => f.Name switch
            {
                "zone-name" => f.Values.Any(v => Wildcard(v, z.Name)),
                "zone-id" => f.Values.Any(v => Wildcard(v, z.Id)),
                "region-name" => f.Values.Any(v => Wildcard(v, account.Region)),
                "state" => f.Values.Any(v => Wildcard(v, "available")),
                "zone-type" => f.Values.Any(v => Wildcard(v, "availability-zone")),
                _ => throw new Ec2ClientException("InvalidParameterValue", $"The filter '{f.Name}' is invalid"),
            }))
            .ToList();
        return w =>
        {
            w.WriteStartElement("availabilityZoneInfo", Ec2Xml.Namespace);
            foreach (var z in selected)
            {
                w.WriteStartElement("item", Ec2Xml.Namespace);
                w.WriteElementString("optInStatus", Ec2Xml.Namespace, "opt-in-not-required");
                w.WriteStartElement("messageSet", Ec2Xml.Namespace);
                w.WriteEndElement();
                w.WriteElementString("regionName", Ec2Xml.Namespace, account.Region);
                w.WriteElementString("zoneName", Ec2Xml.Namespace, z.Name);
                w.WriteElementString("zoneId", Ec2Xml.Namespace, z.Id);
                w.WriteElementString("groupName", Ec2Xml.Namespace, account.Region);
                w.WriteElementString("networkBorderGroup", Ec2Xml.Namespace, account.Region);
                w.WriteElementString("zoneType", Ec2Xml.Namespace, "availability-zone");
                w.WriteElementString("zoneState", Ec2Xml.Namespace, "available");
                w.WriteEndElement();
            }

            w.WriteEndElement();
        };
    }

    /// <summary>An EC2 query list: Prefix.1, Prefix.2, … in index order.</summary>
    private static List<string> List(IFormCollection form, string prefix) =>
        form.Keys
            .Select(k => (Key: k, Index: k.StartsWith(prefix + ".", StringComparison.Ordinal)
                && int.TryParse(k.AsSpan(prefix.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1))
            .Where(x => x.Index >= 0)
            .OrderBy(x => x.Index)
            .Select(x => form[x.Key].ToString())
            .ToList();

    /// <summary>Filter.N.Name with Filter.N.Value.M.</summary>
    private static List<(string Name, IReadOnlyList<string> Values)> Filters(IFormCollection form)
    {
        var result = new List<(string, IReadOnlyList<string>)>();
        for (var n = 1; form.ContainsKey($"Filter.{n}.Name"); n++)
        {
            var name = form[$"Filter.{n}.Name"].ToString();
            var values = List(form, $"Filter.{n}.Value");
            if (values.Count == 0) throw new Ec2ClientException("InvalidParameterValue", $"The filter '{name}' needs at least one value.");
            result.Add((name, values));
        }

        return result;
    }

    /// <summary>EC2 filter values take * (any run) and ? (one character).</summary>
    private static bool Wildcard(string pattern, string value) =>
        !pattern.Contains('*', StringComparison.Ordinal) && !pattern.Contains('?', StringComparison.Ordinal)
            ? string.Equals(pattern, value, StringComparison.Ordinal)
            : Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
                RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static long? Time(IFormCollection form, string name)
    {
        var text = form[name].ToString();
        if (text.Length == 0) return null;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            throw new Ec2ClientException("InvalidParameterValue", $"Value ({text}) for parameter {name} is invalid. Expected an ISO 8601 date and time.");
        return t.ToUnixTimeMilliseconds();
    }

    private static (int Offset, int Size) Page(IFormCollection form, string what, int min, int max, int defaultSize, int total, bool parseToken = true)
    {
        var text = form["MaxResults"].ToString();
        var size = defaultSize;
        if (text.Length > 0)
        {
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out size) || size < min || size > max)
                throw new Ec2ClientException("InvalidParameterValue", $"Value ( {text} ) for parameter maxResults is invalid. Expecting a value between {min} and {max}.");
        }

        var offset = 0;
        var token = form["NextToken"].ToString();
        if (parseToken && token.Length > 0
            && (!int.TryParse(ParseToken(token, what), NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset > total))
            throw InvalidToken();
        return (offset, size);
    }

    private static string Token(string what, int offset) => Token(what, offset.ToString(CultureInfo.InvariantCulture));

    private static string Token(string what, string payload) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{what}|{payload}"));

    private static string ParseToken(string token, string what)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw InvalidToken();
        }

        return text.StartsWith(what + "|", StringComparison.Ordinal) ? text[(what.Length + 1)..] : throw InvalidToken();
    }

    private static Ec2ClientException InvalidToken() =>
        new("InvalidPaginationToken", "The specified pagination token is not valid or is expired.");
}
