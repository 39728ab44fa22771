using System.Globalization;
using System.Xml;
using BatchInsights.Sandbox.Simulation;
using Microsoft.AspNetCore.Http;

namespace BatchInsights.Sandbox.Protocols;

internal static partial class Ec2Query
{
    /// <summary>The tag key AWS Batch puts on every instance a managed CE launches (its service-linked role requires it).</summary>
    internal const string BatchServiceTag = "AWSBatchServiceTag";

    /// <summary>
    /// DescribeInstances: the instances the account's managed EC2/Spot CEs launched, one reservation each (Batch launches
    /// through an Auto Scaling group or Spot Fleet, one instance at a time). Terminated instances stay listed for the
    /// scenario's terminatedInstanceVisibleMinutes (AWS: about an hour), then disappear, as in EC2.
    /// </summary>
    private static Action<XmlWriter> DescribeInstances(Ec2Account account, IFormCollection form)
    {
        var now = account.NowMs;
        var ids = List(form, "InstanceId");
        var filters = Filters(form);
        if (ids.Count > 0 && form["MaxResults"].ToString().Length > 0)
            throw new Ec2ClientException("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
        var visibleFor = account.TerminatedInstanceVisibleMinutes * 60_000L;
        var visible = (account.Batch?.InstancesLaunchedBy(now) ?? [])
            .Where(i => i.EndMs > now || now - i.EndMs <= visibleFor)
            .ToList();
        var unknown = ids.FirstOrDefault(id => visible.All(i => i.InstanceId != id));
        if (unknown is not null) throw new Ec2ClientException("InvalidInstanceID.NotFound", $"The instance ID '{unknown}' does not exist");
        var selected = visible
            .Where(i => ids.Count == 0 || ids.Contains(i.InstanceId))
            .Where(i => filters.All(f => MatchesInstanceFilter(account, i, now, f.Name, f.Values)))
            .ToList();

        // Keyset token (launch time, id): instances launched or aged out between pages do not shift the next page.
        var size = selected.Count;
        var maxText = form["MaxResults"].ToString();
        if (maxText.Length > 0 && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 5 or > 1000))
            throw new Ec2ClientException("InvalidParameterValue", $"Value ( {maxText} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.");
        var token = form["NextToken"].ToString();
        if (token.Length > 0)
        {
            var parts = ParseToken(token, "din").Split('|');
            if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var afterLaunch))
                throw InvalidToken();
            var afterId = parts[1];
            selected = selected.Where(i => i.LaunchMs > afterLaunch || (i.LaunchMs == afterLaunch && string.CompareOrdinal(i.InstanceId, afterId) > 0)).ToList();
        }

        var page = selected.Take(Math.Max(size, 0)).ToList();
        var next = page.Count < selected.Count && page.Count > 0
            ? Token("din", string.Create(CultureInfo.InvariantCulture, $"{page[^1].LaunchMs}|{page[^1].InstanceId}"))
            : null;
        return w =>
        {
            w.WriteStartElement("reservationSet", Ec2Xml.Namespace);
            foreach (var i in page) WriteReservation(w, account, i, now);
            w.WriteEndElement();
            if (next is not null) w.WriteElementString("nextToken", Ec2Xml.Namespace, next);
        };
    }

    private static (string Name, int Code) StateOf(SimInstance i, long now) =>
        now >= i.EndMs ? ("terminated", 48) : now - i.LaunchMs < 30_000 ? ("pending", 0) : ("running", 16);

    /// <summary>The instance's tags: Batch's service tag, the Auto Scaling group Batch names after the CE, and the CE's computeResources.tags.</summary>
    private static IEnumerable<(string Key, string Value)> TagsOf(SimInstance i)
    {
        yield return (BatchServiceTag, "batch");
        yield return ("aws:autoscaling:groupName", $"AWSBatch-{i.Ce.Name}-asg-{i.Ce.Uuid}");
        foreach (var (k, v) in i.Ce.Tags) yield return (k, v);
    }

    private static bool MatchesInstanceFilter(Ec2Account account, SimInstance i, long now, string name, IReadOnlyList<string> values)
    {
        bool Any(string value) => values.Any(v => Wildcard(v, value));
        if (name.StartsWith("tag:", StringComparison.Ordinal))
        {
            var key = name[4..];
            return TagsOf(i).Any(t => t.Key == key && Any(t.Value));
        }

        return name switch
        {
            "tag-key" => TagsOf(i).Any(t => Any(t.Key)),
            "tag-value" => TagsOf(i).Any(t => Any(t.Value)),
            "instance-id" => Any(i.InstanceId),
            "instance-type" => Any(i.InstanceType),
            "instance-state-name" => Any(StateOf(i, now).Name),
            "instance-state-code" => Any(StateOf(i, now).Code.ToString(CultureInfo.InvariantCulture)),
            "availability-zone" => Any(i.Zone),
            "instance-lifecycle" => i.Spot && Any("spot"),
            "owner-id" => Any(account.Batch!.AccountId),
            _ => throw new Ec2ClientException("InvalidParameterValue", $"The filter '{name}' is invalid"),
        };
    }

    private static void WriteReservation(XmlWriter w, Ec2Account account, SimInstance i, long now)
    {
        var ns = Ec2Xml.Namespace;
        var batch = account.Batch!;
        var (state, code) = StateOf(i, now);
        var terminated = state == "terminated";
        w.WriteStartElement("item", ns);
        w.WriteElementString("reservationId", ns, $"r-0{Hash.Of(i.Key, 31):x16}");
        w.WriteElementString("ownerId", ns, batch.AccountId);
        w.WriteStartElement("groupSet", ns);
        w.WriteEndElement();
        w.WriteStartElement("instancesSet", ns);
        w.WriteStartElement("item", ns);
        w.WriteElementString("instanceId", ns, i.InstanceId);
        w.WriteElementString("imageId", ns, $"ami-0{Hash.Of((ulong)batch.Seed, 33):x16}");
        w.WriteStartElement("instanceState", ns);
        w.WriteElementString("code", ns, code.ToString(CultureInfo.InvariantCulture));
        w.WriteElementString("name", ns, state);
        w.WriteEndElement();
        w.WriteElementString("privateDnsName", ns, terminated ? "" : $"ip-10-0-{Hash.Of(i.Key, 34) % 250}-{Hash.Of(i.Key, 35) % 250}.ec2.internal");
        w.WriteElementString("dnsName", ns, "");
        // Spot interruptions are EC2's doing ("Service initiated"); Batch scaling in is the account's ("User initiated").
        w.WriteElementString("reason", ns, !terminated ? "" : i.Reclaimed
            ? $"Service initiated ({BatchAccount.TransitionTime(i.EndMs)})"
            : $"User initiated ({BatchAccount.TransitionTime(i.EndMs)})");
        w.WriteElementString("amiLaunchIndex", ns, "0");
        w.WriteStartElement("productCodes", ns);
        w.WriteEndElement();
        w.WriteElementString("instanceType", ns, i.InstanceType);
        w.WriteElementString("launchTime", ns, Iso(i.LaunchMs));
        w.WriteStartElement("placement", ns);
        w.WriteElementString("availabilityZone", ns, i.Zone);
        w.WriteElementString("groupName", ns, "");
        w.WriteElementString("tenancy", ns, "default");
        w.WriteEndElement();
        w.WriteStartElement("monitoring", ns);
        w.WriteElementString("state", ns, "disabled");
        w.WriteEndElement();
        if (!terminated)
        {
            w.WriteElementString("subnetId", ns, i.Ce.Subnets[(i.Zone[^1] - 'a') % i.Ce.Subnets.Count]);
            w.WriteElementString("privateIpAddress", ns, $"10.0.{Hash.Of(i.Key, 34) % 250}.{Hash.Of(i.Key, 35) % 250}");
        }

        if (terminated)
        {
            w.WriteStartElement("stateReason", ns);
            w.WriteElementString("code", ns, i.Reclaimed ? "Server.SpotInstanceTermination" : "Client.UserInitiatedShutdown");
            w.WriteElementString("message", ns, i.Reclaimed
                ? "Server.SpotInstanceTermination: Spot instance termination"
                : "Client.UserInitiatedShutdown: User initiated shutdown");
            w.WriteEndElement();
        }

        w.WriteElementString("architecture", ns, "x86_64");
        w.WriteElementString("rootDeviceType", ns, "ebs");
        w.WriteElementString("rootDeviceName", ns, "/dev/xvda");
        if (i.Spot)
        {
            w.WriteElementString("instanceLifecycle", ns, "spot");
            w.WriteElementString("spotInstanceRequestId", ns, $"sir-{Hash.Of(i.Key, 36) % 100_000_000:d8}");
        }

        w.WriteStartElement("tagSet", ns);
        foreach (var (k, v) in TagsOf(i))
        {
            w.WriteStartElement("item", ns);
            w.WriteElementString("key", ns, k);
            w.WriteElementString("value", ns, v);
            w.WriteEndElement();
        }

        w.WriteEndElement();
        w.WriteElementString("virtualizationType", ns, "hvm");
        w.WriteElementString("hypervisor", ns, "xen");
        w.WriteEndElement();
        w.WriteEndElement();
        w.WriteEndElement();
    }

    private static string Iso(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
