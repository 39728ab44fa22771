using System.Text.Json;
using BatchInsights.Core.Aws;

namespace BatchInsights.Tests.Aws;

/// <summary>The EC2 network calls and CloudWatch GetMetricData against moto, a server nobody here wrote.</summary>
public sealed class NetworkMotoTests(MotoServerFixture moto) : IClassFixture<MotoServerFixture>
{
    private static readonly AwsTarget Target = new("moto", MotoServerFixture.Region);

    private const string Seed = """
        ec2, cw = client("ec2"), client("cloudwatch")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        private_a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        private_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
        rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        ec2.associate_route_table(RouteTableId=rtb, SubnetId=private_a)
        ec2.associate_route_table(RouteTableId=rtb, SubnetId=private_b)
        s3 = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway", RouteTableIds=[rtb])["VpcEndpoint"]["VpcEndpointId"]
        ecs = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.ecs", VpcEndpointType="Interface", SubnetIds=[private_a, private_b])["VpcEndpoint"]["VpcEndpointId"]
        import datetime
        now = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
        for h in range(1, 4):
            cw.put_metric_data(Namespace="AWS/NATGateway", MetricData=[dict(MetricName="BytesInFromDestination",
                Dimensions=[dict(Name="NatGatewayId", Value=nat)], Timestamp=now - datetime.timedelta(hours=h), Value=1000.0 * h, Unit="Bytes")])
        emit(dict(vpc=vpc, private_a=private_a, private_b=private_b, nat=nat, rtb=rtb, s3=s3, ecs=ecs, public=public))
        """;

    [PythonFact("moto", "boto3")]
    public async Task NetworkCalls_AgainstMoto_ReadWhatBoto3Created()
    {
        await moto.ResetAsync();
        using var seeded = JsonDocument.Parse(await moto.RunBoto3Async(Seed));
        var ids = seeded.RootElement;
        string Id(string name) => ids.GetProperty(name).GetString()!;
        using var ec2 = new Ec2Api(Target, moto.Endpoint, AwsCredentialSource.Fixed("AKIDMOTO", "moto-secret"), TestClients.FastPolicy,
            new TokenBucket(1_000, 1_000, TimeProvider.System));

        var subnets = await ec2.DescribeSubnetsAsync([Id("private_a"), Id("private_b")], CancellationToken.None);
        var tables = await ec2.DescribeRouteTablesAsync([Id("vpc")], CancellationToken.None);
        var nats = await ec2.DescribeNatGatewaysAsync([Id("vpc")], CancellationToken.None);
        var endpoints = await ec2.DescribeVpcEndpointsAsync([Id("vpc")], CancellationToken.None);

        Assert.Equal(["us-east-1a", "us-east-1b"], subnets.OrderBy(s => s.AvailabilityZone).Select(s => s.AvailabilityZone));
        Assert.All(subnets, s => Assert.Equal(Id("vpc"), s.VpcId));
        var table = tables.Single(t => t.RouteTableId == Id("rtb"));
        Assert.Equivalent(new[] { Id("private_a"), Id("private_b") }, table.SubnetIds);
        Assert.Contains(table.Routes, r => r.DestinationCidrBlock == "0.0.0.0/0" && r.NatGatewayId == Id("nat"));
        Assert.Contains(tables, t => t.IsMain);
        var nat = Assert.Single(nats);
        Assert.Equal(Id("public"), nat.SubnetId);
        Assert.Equal(
            new[] { ("com.amazonaws.us-east-1.ecs", "Interface"), ("com.amazonaws.us-east-1.s3", "Gateway") },
            endpoints.OrderBy(e => e.ServiceName, StringComparer.Ordinal).Select(e => (e.ServiceName, e.Type)));
    }

    [PythonFact("moto", "boto3")]
    public async Task GetMetricData_AgainstMoto_SumsWhatPutMetricDataStored()
    {
        await moto.ResetAsync();
        using var seeded = JsonDocument.Parse(await moto.RunBoto3Async(Seed));
        var nat = seeded.RootElement.GetProperty("nat").GetString()!;
        using var http = new HttpClient();
        var cw = new CloudWatchApiClient(http, Target, moto.Endpoint, AwsCredentialSource.Fixed("AKIDMOTO", "moto-secret"), TestClients.FastPolicy,
            new TokenBucket(1_000, 1_000, TimeProvider.System));
        var now = DateTimeOffset.UtcNow;

        var series = await cw.GetMetricDataAsync(
            [new MetricStatQuery("m0", "AWS/NATGateway", "BytesInFromDestination", [new("NatGatewayId", nat)], 86_400, "Sum")],
            now.AddDays(-2), now.AddHours(1), CancellationToken.None);

        var s = Assert.Single(series);
        Assert.Equal(6000.0, s.Points.Sum(p => p.Value));
    }
}
