using Microsoft.Extensions.Options;

namespace BatchInsights.Core.Aws;

/// <summary>Creates AWS clients for the configured targets (register once; see <see cref="AwsServiceCollectionExtensions"/>).</summary>
public interface IAwsClientFactory
{
    /// <summary>The targets to harvest: Aws:Targets, or {sandbox, us-east-1} in Sandbox mode when none are set.</summary>
    IReadOnlyList<AwsTarget> Targets { get; }

    /// <summary>
    /// A Batch client for one target. Cheap: create one per job run rather than holding it for the app's
    /// lifetime (its HttpClient comes from IHttpClientFactory); the rate budget is shared per target anyway.
    /// </summary>
    IBatchApi CreateBatch(AwsTarget target);

    /// <summary>
    /// An EC2 client (AWSSDK.EC2, an <see cref="IDisposable"/> <see cref="Ec2Api"/>) for one target, with its own EC2 rate
    /// budget per target. Create one per job run and dispose it when done.
    /// </summary>
    IEc2Api CreateEc2(AwsTarget target);

    /// <summary>
    /// The Price List API client (On-Demand prices for any region; it is called in us-east-1, or at the endpoint
    /// override in Sandbox mode), with its own rate budget. Cheap: create one per job run.
    /// </summary>
    PricingApiClient CreatePricing();

    /// <summary>An ECS client (JSON 1.1) for one target, with its own ECS rate budget per target. Cheap: create one per job run.</summary>
    IEcsApi CreateEcs(AwsTarget target);

    /// <summary>A CloudWatch client (GetMetricData, Query protocol) for one target, with its own rate budget per target. Cheap: create one per job run.</summary>
    ICloudWatchApi CreateCloudWatch(AwsTarget target);
}

internal sealed class AwsClientFactory : IAwsClientFactory, IDisposable
{
    public const string HttpClientName = "BatchInsights.Aws";

    private readonly IHttpClientFactory _httpClients;
    private readonly AwsOptions _options;
    private readonly RateBudgetRegistry _budgets;
    private readonly TimeProvider _time;
    private readonly Lazy<AwsCredentialSource> _credentials;
    private readonly Dictionary<string, AssumedRoleCredentials> _roles = new(StringComparer.Ordinal);
    private readonly Lock _rolesGate = new();

    public AwsClientFactory(IHttpClientFactory httpClients, IOptions<AwsOptions> options, RateBudgetRegistry budgets, TimeProvider time)
    {
        _httpClients = httpClients;
        _options = options.Value;
        _budgets = budgets;
        _time = time;
        Targets = _options.ResolveTargets();
        // One default-chain resolver for the whole app: it caches and refreshes role credentials itself.
        _credentials = new Lazy<AwsCredentialSource>(() => _options.Mode == AwsMode.Sandbox
            ? AwsCredentialSource.Fixed(AwsOptions.SandboxAccessKeyId, AwsOptions.SandboxSecretAccessKey)
            : AwsCredentialSource.DefaultChain());
    }

    public IReadOnlyList<AwsTarget> Targets { get; }

    public IBatchApi CreateBatch(AwsTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new BatchApiClient(
            _httpClients.CreateClient(HttpClientName),
            target,
            Endpoint(),
            CredentialsFor(target),
            AwsCallPolicy.FromOptions(_options),
            _budgets.For(target, _options.MaxCallsPerSecond),
            _time);
    }

    public IEc2Api CreateEc2(AwsTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new Ec2Api(
            target,
            Endpoint(),
            CredentialsFor(target),
            AwsCallPolicy.FromOptions(_options),
            _budgets.For(target, Ec2Api.SigningName, _options.MaxCallsPerSecond));
    }

    public PricingApiClient CreatePricing()
    {
        // The Price List API is account-agnostic; one budget for the whole app under a synthetic target.
        var budgetKey = new AwsTarget("pricing", PricingApiClient.DefaultPricingRegion);
        return new PricingApiClient(
            _httpClients.CreateClient(HttpClientName),
            Endpoint(),
            _credentials.Value,
            AwsCallPolicy.FromOptions(_options),
            _budgets.For(budgetKey, PricingApiClient.SigningName, _options.MaxCallsPerSecond),
            _time);
    }

    /// <summary>
    /// What a target's clients sign with: the base credentials, or, when its account has a RoleArn, that role's
    /// keys from STS (one STS client and one cache per account, at the regional endpoint of the account's first region).
    /// </summary>
    public AwsCredentialSource CredentialsFor(AwsTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (_options.RoleFor(target.Account) is not { } role)
        {
            return _credentials.Value;
        }

        lock (_rolesGate)
        {
            if (!_roles.TryGetValue(target.Account, out var assumed))
            {
                var stsRegion = Targets.FirstOrDefault(t => t.Account == target.Account)?.Region ?? target.Region;
                assumed = AwsCredentialSource.AssumeRole(_credentials.Value, role, stsRegion, Endpoint(), AwsCallPolicy.FromOptions(_options), _time);
                _roles[target.Account] = assumed;
            }

            return assumed.Source;
        }
    }

    public void Dispose()
    {
        lock (_rolesGate)
        {
            foreach (var assumed in _roles.Values)
            {
                assumed.Dispose();
            }

            _roles.Clear();
        }
    }

    public IEcsApi CreateEcs(AwsTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new EcsApiClient(
            _httpClients.CreateClient(HttpClientName),
            target,
            Endpoint(),
            CredentialsFor(target),
            AwsCallPolicy.FromOptions(_options),
            _budgets.For(target, EcsApiClient.SigningName, _options.MaxCallsPerSecond),
            _time);
    }

    public ICloudWatchApi CreateCloudWatch(AwsTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new CloudWatchApiClient(
            _httpClients.CreateClient(HttpClientName),
            target,
            Endpoint(),
            CredentialsFor(target),
            AwsCallPolicy.FromOptions(_options),
            _budgets.For(target, CloudWatchApiClient.SigningName, _options.MaxCallsPerSecond),
            _time);
    }

    private Uri? Endpoint()
    {
        Uri? endpoint = null;
        if (!string.IsNullOrWhiteSpace(_options.EndpointOverride))
        {
            endpoint = new Uri(_options.EndpointOverride);
        }
        else if (_options.Mode == AwsMode.Sandbox)
        {
            // Never let sandbox mode fall through to real AWS endpoints.
            throw new InvalidOperationException("Aws:EndpointOverride is not set; in Sandbox mode it must point at the sandbox.");
        }

        return endpoint;
    }
}
