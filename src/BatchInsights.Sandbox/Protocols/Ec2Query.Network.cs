using System.Globalization;
using System.Xml;
using BatchInsights.Sandbox.Simulation;
using Microsoft.AspNetCore.Http;

namespace BatchInsights.Sandbox.Protocols;

/// <summary>The VPC side of EC2: DescribeSubnets, DescribeRouteTables, DescribeNatGateways, DescribeVpcEndpoints.</summary>
internal static partial class Ec2Query
{
    private const string NetworkCreated = "2025-06-02T09:00:00.000Z";

    private static Action<XmlWriter> DescribeSubnets(Ec2Account account, IFormCollection form)
    {
        var net = account.Network;
        var ids = List(form, "SubnetId");
        var missing = ids.FirstOrDefault(id => !net.SubnetsById.ContainsKey(id));
        if (missing is not null) throw new Ec2ClientException("InvalidSubnetID.NotFound", $"The subnet ID '{missing}' does not exist");
        var filters = Filters(form);
        var all = net.Subnets
            .Where(s => ids.Count == 0 || ids.Contains(s.Id))
            .Where(s => filters.All(f => f.Values.Any(v => f.Name switch
            {
                "subnet-id" => Wildcard(v, s.Id),
                "vpc-id" => Wildcard(v, s.VpcId),
                "availability-zone" => Wildcard(v, s.Zone),
                "availability-zone-id" => Wildcard(v, Ec2Data.ZoneId(account.Region, s.Zone)),
                "cidr-block" or "cidrBlock" or "cidr" => Wildcard(v, s.CidrBlock),
                "map-public-ip-on-launch" => Wildcard(v, s.MapPublicIpOnLaunch ? "true" : "false"),
                "default-for-az" => Wildcard(v, "false"),
                "state" => Wildcard(v, "available"),
                "owner-id" => Wildcard(v, account.AccountId),
                "tag:Name" => Wildcard(v, s.Name),
                _ => throw new Ec2ClientException("InvalidParameterValue", $"The filter '{f.Name}' is invalid"),
            })))
            .ToList();
        var (offset, size) = Page(form, "sub", 5, 1000, 1000, all.Count);
        var page = all.Skip(offset).Take(size).ToList();
        var next = offset + size < all.Count ? Token("sub", offset + size) : null;
        return w =>
        {
            w.WriteStartElement("subnetSet", Ec2Xml.Namespace);
            foreach (var s in page)
            {
                w.WriteStartElement("item", Ec2Xml.Namespace);
                Element(w, "subnetId", s.Id);
                Element(w, "subnetArn", s.Arn);
                Element(w, "state", "available");
                Element(w, "vpcId", s.VpcId);
                Element(w, "cidrBlock", s.CidrBlock);
                Element(w, "ipv6CidrBlockAssociationSet", null);
                Element(w, "availableIpAddressCount", s.AvailableIps.ToString(CultureInfo.InvariantCulture));
                Element(w, "availabilityZone", s.Zone);
                Element(w, "availabilityZoneId", Ec2Data.ZoneId(account.Region, s.Zone));
                Element(w, "defaultForAz", "false");
                Element(w, "mapPublicIpOnLaunch", s.MapPublicIpOnLaunch ? "true" : "false");
                Element(w, "assignIpv6AddressOnCreation", "false");
                Element(w, "ownerId", account.AccountId);
                Element(w, "ipv6Native", "false");
                NameTag(w, s.Name);
                w.WriteEndElement();
            }

            w.WriteEndElement();
            if (next is not null) Element(w, "nextToken", next);
        };
    }

    private static Action<XmlWriter> DescribeRouteTables(Ec2Account account, IFormCollection form)
    {
        var net = account.Network;
        var ids = List(form, "RouteTableId");
        var missing = ids.FirstOrDefault(id => net.RouteTables.All(t => t.Id != id));
        if (missing is not null) throw new Ec2ClientException("InvalidRouteTableID.NotFound", $"The routeTable ID '{missing}' does not exist");
        var filters = Filters(form);
        var all = net.RouteTables
            .Where(t => ids.Count == 0 || ids.Contains(t.Id))
            .Where(t => filters.All(f => f.Values.Any(v => f.Name switch
            {
                "route-table-id" => Wildcard(v, t.Id),
                "vpc-id" => Wildcard(v, t.VpcId),
                "association.subnet-id" => t.SubnetIds.Any(s => Wildcard(v, s)),
                "association.main" => Wildcard(v, t.Main ? "true" : "false"),
                "association.route-table-association-id" => Associations(t).Any(a => Wildcard(v, a.Id)),
                "route.nat-gateway-id" => t.Routes.Any(r => r.NatGatewayId is { } n && Wildcard(v, n)),
                "route.gateway-id" => t.Routes.Any(r => r.GatewayId is { } g && Wildcard(v, g)),
                "route.instance-id" => t.Routes.Any(r => r.InstanceId is { } i && Wildcard(v, i)),
                "route.destination-cidr-block" => t.Routes.Any(r => r.DestinationCidr is { } c && Wildcard(v, c)),
                "owner-id" => Wildcard(v, account.AccountId),
                _ => throw new Ec2ClientException("InvalidParameterValue", $"The filter '{f.Name}' is invalid"),
            })))
            .ToList();
        var (offset, size) = Page(form, "rtb", 5, 100, 100, all.Count);
        var page = all.Skip(offset).Take(size).ToList();
        var next = offset + size < all.Count ? Token("rtb", offset + size) : null;
        return w =>
        {
            w.WriteStartElement("routeTableSet", Ec2Xml.Namespace);
            foreach (var t in page)
            {
                w.WriteStartElement("item", Ec2Xml.Namespace);
                Element(w, "routeTableId", t.Id);
                Element(w, "vpcId", t.VpcId);
                Element(w, "ownerId", account.AccountId);
                w.WriteStartElement("routeSet", Ec2Xml.Namespace);
                foreach (var r in t.Routes)
                {
                    w.WriteStartElement("item", Ec2Xml.Namespace);
                    Element(w, "destinationCidrBlock", r.DestinationCidr);
                    Element(w, "destinationPrefixListId", r.DestinationPrefixListId);
                    Element(w, "gatewayId", r.GatewayId);
                    Element(w, "instanceId", r.InstanceId);
                    Element(w, "instanceOwnerId", r.InstanceId is null ? null : account.AccountId);
                    Element(w, "natGatewayId", r.NatGatewayId);
                    Element(w, "networkInterfaceId", r.NetworkInterfaceId);
                    Element(w, "state", "active");
                    Element(w, "origin", r.GatewayId == "local" ? "CreateRouteTable" : "CreateRoute");
                    w.WriteEndElement();
                }

                w.WriteEndElement();
                w.WriteStartElement("associationSet", Ec2Xml.Namespace);
                foreach (var a in Associations(t))
                {
                    w.WriteStartElement("item", Ec2Xml.Namespace);
                    Element(w, "routeTableAssociationId", a.Id);
                    Element(w, "routeTableId", t.Id);
                    Element(w, "subnetId", a.SubnetId);
                    Element(w, "main", a.SubnetId is null ? "true" : "false");
                    w.WriteStartElement("associationState", Ec2Xml.Namespace);
                    Element(w, "state", "associated");
                    w.WriteEndElement();
                    w.WriteEndElement();
                }

                w.WriteEndElement();
                Element(w, "propagatingVgwSet", null);
                NameTag(w, t.Main ? "main" : "private");
                w.WriteEndElement();
            }

            w.WriteEndElement();
            if (next is not null) Element(w, "nextToken", next);
        };
    }

    /// <summary>The main table has one association without a subnet ("main": true); others one per subnet.</summary>
    private static IEnumerable<(string Id, string? SubnetId)> Associations(SimRouteTable t) =>
        (t.Main ? new[] { ($"rtbassoc-{t.Id[4..]}", (string?)null) } : [])
            .Concat(t.SubnetIds.Select(s => ($"rtbassoc-{s[7..]}", (string?)s)));

    private static Action<XmlWriter> DescribeNatGateways(Ec2Account account, IFormCollection form)
    {
        var net = account.Network;
        var ids = List(form, "NatGatewayId");
        var missing = ids.FirstOrDefault(id => net.NatGateways.All(n => n.Id != id));
        if (missing is not null) throw new Ec2ClientException("NatGatewayNotFound", $"The Nat Gateway {missing} was not found");
        var filters = Filters(form);
        var all = net.NatGateways
            .Where(n => ids.Count == 0 || ids.Contains(n.Id))
            .Where(n => filters.All(f => f.Values.Any(v => f.Name switch
            {
                "nat-gateway-id" => Wildcard(v, n.Id),
                "vpc-id" => Wildcard(v, n.VpcId),
                "subnet-id" => Wildcard(v, n.SubnetId),
                "state" => Wildcard(v, "available"),
                "tag:Name" => Wildcard(v, n.Name),
                _ => throw new Ec2ClientException("InvalidParameterValue", $"The filter '{f.Name}' is invalid"),
            })))
            .ToList();
        var (offset, size) = Page(form, "nat", 5, 1000, 1000, all.Count);
        var page = all.Skip(offset).Take(size).ToList();
        var next = offset + size < all.Count ? Token("nat", offset + size) : null;
        return w =>
        {
            w.WriteStartElement("natGatewaySet", Ec2Xml.Namespace);
            foreach (var n in page)
            {
                w.WriteStartElement("item", Ec2Xml.Namespace);
                Element(w, "createTime", NetworkCreated);
                w.WriteStartElement("natGatewayAddressSet", Ec2Xml.Namespace);
                w.WriteStartElement("item", Ec2Xml.Namespace);
                Element(w, "allocationId", n.AllocationId);
                Element(w, "networkInterfaceId", n.NetworkInterfaceId);
                Element(w, "privateIp", n.PrivateIp);
                Element(w, "publicIp", n.PublicIp);
                Element(w, "associationId", $"eipassoc-{n.AllocationId[9..]}");
                Element(w, "isPrimary", "true");
                Element(w, "status", "succeeded");
                w.WriteEndElement();
                w.WriteEndElement();
                Element(w, "natGatewayId", n.Id);
                Element(w, "state", "available");
                Element(w, "subnetId", n.SubnetId);
                Element(w, "vpcId", n.VpcId);
                NameTag(w, n.Name);
                Element(w, "connectivityType", "public");
                w.WriteEndElement();
            }

            w.WriteEndElement();
            if (next is not null) Element(w, "nextToken", next);
        };
    }

    private static Action<XmlWriter> DescribeVpcEndpoints(Ec2Account account, IFormCollection form)
    {
        var net = account.Network;
        var ids = List(form, "VpcEndpointId");
        var missing = ids.FirstOrDefault(id => net.Endpoints.All(e => e.Id != id));
        if (missing is not null) throw new Ec2ClientException("InvalidVpcEndpointId.NotFound", $"The Vpc Endpoint Id '{missing}' does not exist");
        var filters = Filters(form);
        var all = net.Endpoints
            .Where(e => ids.Count == 0 || ids.Contains(e.Id))
            .Where(e => filters.All(f => f.Values.Any(v => f.Name switch
            {
                "vpc-endpoint-id" => Wildcard(v, e.Id),
                "vpc-id" => Wildcard(v, e.VpcId),
                "service-name" => Wildcard(v, e.ServiceName),
                "vpc-endpoint-type" => Wildcard(v, e.Type),
                "vpc-endpoint-state" => Wildcard(v, "available"),
                _ => throw new Ec2ClientException("InvalidParameterValue", $"The filter '{f.Name}' is invalid"),
            })))
            .ToList();
        var (offset, size) = Page(form, "vpce", 5, 1000, 1000, all.Count);
        var page = all.Skip(offset).Take(size).ToList();
        var next = offset + size < all.Count ? Token("vpce", offset + size) : null;
        return w =>
        {
            w.WriteStartElement("vpcEndpointSet", Ec2Xml.Namespace);
            foreach (var e in page)
            {
                w.WriteStartElement("item", Ec2Xml.Namespace);
                Element(w, "vpcEndpointId", e.Id);
                Element(w, "vpcEndpointType", e.Type);
                Element(w, "vpcId", e.VpcId);
                Element(w, "serviceName", e.ServiceName);
                Element(w, "state", "available");
                Element(w, "policyDocument", "{\"Version\":\"2008-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\"}]}");
                StringSet(w, "routeTableIdSet", e.RouteTableIds);
                StringSet(w, "subnetIdSet", e.SubnetIds);
                w.WriteStartElement("groupSet", Ec2Xml.Namespace);
                if (e.Type == "Interface")
                {
                    w.WriteStartElement("item", Ec2Xml.Namespace);
                    Element(w, "groupId", $"sg-{e.Id[5..]}"[..20]);
                    Element(w, "groupName", "vpc-endpoints");
                    w.WriteEndElement();
                }

                w.WriteEndElement();
                Element(w, "ipAddressType", "ipv4");
                Element(w, "privateDnsEnabled", e.Type == "Interface" ? "true" : "false");
                Element(w, "requesterManaged", "false");
                StringSet(w, "networkInterfaceIdSet", e.NetworkInterfaceIds);
                w.WriteStartElement("dnsEntrySet", Ec2Xml.Namespace);
                if (e.Type == "Interface")
                {
                    w.WriteStartElement("item", Ec2Xml.Namespace);
                    Element(w, "dnsName", $"{e.Id}-{e.Id[5..13]}.{e.Service}.{account.Region}.vpce.amazonaws.com");
                    Element(w, "hostedZoneId", "Z7HUB22UULQXV");
                    w.WriteEndElement();
                }

                w.WriteEndElement();
                Element(w, "creationTimestamp", NetworkCreated);
                Element(w, "ownerId", account.AccountId);
                w.WriteStartElement("tagSet", Ec2Xml.Namespace);
                w.WriteEndElement();
                w.WriteEndElement();
            }

            w.WriteEndElement();
            if (next is not null) Element(w, "nextToken", next);
        };
    }

    /// <summary>Writes a text element, or an empty one when value is null (EC2 writes empty sets, not missing ones).</summary>
    private static void Element(XmlWriter w, string name, string? value)
    {
        if (value is null)
        {
            if (name.EndsWith("Set", StringComparison.Ordinal))
            {
                w.WriteStartElement(name, Ec2Xml.Namespace);
                w.WriteEndElement();
            }

            return;
        }

        w.WriteElementString(name, Ec2Xml.Namespace, value);
    }

    private static void StringSet(XmlWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartElement(name, Ec2Xml.Namespace);
        foreach (var v in values) w.WriteElementString("item", Ec2Xml.Namespace, v);
        w.WriteEndElement();
    }

    private static void NameTag(XmlWriter w, string name)
    {
        w.WriteStartElement("tagSet", Ec2Xml.Namespace);
        w.WriteStartElement("item", Ec2Xml.Namespace);
        Element(w, "key", "Name");
        Element(w, "value", name);
        w.WriteEndElement();
        w.WriteEndElement();
    }
}
