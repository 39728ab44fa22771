using BatchInsights.Core.Aws;

namespace BatchInsights.Core.Harvesting;

/// <summary>
/// Gives the Batch client of one target. The factory owns the client's lifetime (it may cache one
/// per target); the harvester never disposes what it gets.
/// </summary>
public delegate IBatchApi BatchApiFactory(AwsTarget target);
