using BatchInsights.Sandbox.Simulation;

namespace BatchInsights.Tests.Sandbox;

public sealed class ScenarioLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sandbox-scenario-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_dir, "scenario.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Load_Default_HasTheDocumentedEnvironmentsQueuesAndDefinitions()
    {
        var scenario = ScenarioLoader.Load(null);

        Assert.Equal(["od-general", "spot-bid60", "spot-optimal", "gpu-od", "fargate", "lab-isolated"], scenario.ComputeEnvironments.Select(c => c.Name));
        Assert.Equal(["critical", "batch-default", "batch-spot-optimal", "ml-gpu", "fargate-light", "lab"], scenario.JobQueues.Select(q => q.Name));
        Assert.Contains(scenario.JobDefinitions, d => d.Type == "multinode" && d.JobQueue == "critical");
        Assert.Equal(60, scenario.ComputeEnvironments.Single(c => c.Name == "spot-bid60").BidPercentage);
    }

    [Fact]
    public void Load_FileNextToTheBinary_MatchesTheEmbeddedDefault()
    {
        var nextToBinary = Path.Combine(AppContext.BaseDirectory, "Scenarios", "default.json");

        var scenario = ScenarioLoader.Load(nextToBinary);

        Assert.Equal(ScenarioLoader.Load(null).JobQueues.Select(q => q.Name), scenario.JobQueues.Select(q => q.Name));
    }

    [Fact]
    public void Load_QueueNamesUnknownComputeEnvironment_MessageNamesFileLineAndField()
    {
        var path = Write("""
            {
              "targetJobCount": 1000,
              "computeEnvironments": [
                { "name": "ce-a", "type": "EC2", "instanceTypes": ["m5"], "maxvCpus": 64 }
              ],
              "jobQueues": [
                { "name": "q", "computeEnvironmentOrder": [
                    "ce-a",
                    "ce-missing"
                ] }
              ],
              "jobDefinitions": [ { "name": "d", "jobQueue": "q" } ]
            }
            """);

        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("line 9", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$.jobQueues[0].computeEnvironmentOrder[1]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ce-missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NegativeCount_MessageNamesTheField()
    {
        var path = Write("""
            {
              "historyDays": -3,
              "targetJobCount": 1000,
              "computeEnvironments": [ { "name": "ce-a", "type": "EC2", "instanceTypes": ["m5"] } ],
              "jobQueues": [ { "name": "q", "computeEnvironmentOrder": ["ce-a"] } ],
              "jobDefinitions": [ { "name": "d", "jobQueue": "q" } ]
            }
            """);

        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));

        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$.historyDays", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MisspelledField_MessageNamesLineAndField()
    {
        var path = Write("""
            {
              "targetJobCount": 1000,
              "computeEnvironments": [
                { "name": "ce-a", "type": "EC2", "instanceTypez": ["m5"] }
              ]
            }
            """);

        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));

        Assert.Contains("line 4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("instanceTypez", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FaultForUnknownOperation_MessageNamesLineAndField()
    {
        var path = Write("""
            {
              "targetJobCount": 1000,
              "computeEnvironments": [ { "name": "ce-a", "type": "EC2", "instanceTypes": ["m5"] } ],
              "jobQueues": [ { "name": "q", "computeEnvironmentOrder": ["ce-a"] } ],
              "jobDefinitions": [ { "name": "d", "jobQueue": "q" } ],
              "faults": {
                "*": { "latencyMs": 5 },
                "DescribeSpotPrices": { "accessDenied": true }
              }
            }
            """);

        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));

        Assert.Contains("line 8", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$.faults.DescribeSpotPrices", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DescribeSpotPriceHistory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FaultShareAboveOne_MessageNamesLineAndField()
    {
        var path = Write("""
            {
              "targetJobCount": 1000,
              "computeEnvironments": [ { "name": "ce-a", "type": "EC2", "instanceTypes": ["m5"] } ],
              "jobQueues": [ { "name": "q", "computeEnvironmentOrder": ["ce-a"] } ],
              "jobDefinitions": [ { "name": "d", "jobQueue": "q" } ],
              "faults": {
                "ListJobs": {
                  "throttleShare": 1.5
                }
              }
            }
            """);

        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));

        Assert.Contains("line 8", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$.faults.ListJobs.throttleShare", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AvailabilityZoneOfAnotherRegion_MessageNamesLineAndField()
    {
        var path = Write("""
            {
              "targetJobCount": 1000,
              "region": "eu-west-1",
              "availabilityZones": [
                "eu-west-1a",
                "us-east-1b"
              ],
              "computeEnvironments": [ { "name": "ce-a", "type": "EC2", "instanceTypes": ["m5"] } ],
              "jobQueues": [ { "name": "q", "computeEnvironmentOrder": ["ce-a"] } ],
              "jobDefinitions": [ { "name": "d", "jobQueue": "q" } ]
            }
            """);

        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));

        Assert.Contains("line 6", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$.availabilityZones[1]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ValidFaultsAndZones_AreKept()
    {
        var path = Write("""
            {
              "targetJobCount": 1000,
              "availabilityZones": ["us-east-1a", "us-east-1c"],
              "computeEnvironments": [ { "name": "ce-a", "type": "EC2", "instanceTypes": ["m5"] } ],
              "jobQueues": [ { "name": "q", "computeEnvironmentOrder": ["ce-a"] } ],
              "jobDefinitions": [ { "name": "d", "jobQueue": "q" } ],
              "faults": { "*": { "errorShare": 0.1, "latencyMs": 20 } }
            }
            """);

        var scenario = ScenarioLoader.Load(path);

        Assert.Equal(["us-east-1a", "us-east-1c"], scenario.AvailabilityZones);
        Assert.Equal(0.1, scenario.Faults["*"].ErrorShare);
        Assert.Equal(20, scenario.Faults["*"].LatencyMs);
    }
}
