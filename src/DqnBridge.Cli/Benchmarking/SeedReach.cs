using System.Globalization;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// One seed of one algorithm in a comparison: its final return and the global step at which its running last-100
/// mean first reached the threshold (null: not reached). A row of compare.csv.
/// </summary>
public sealed record SeedReach(string EnvId, string Algorithm, CellResult Cell, double Threshold, long? StepsToThreshold)
{
    public static readonly string[] Header =
        ["env_id", "algorithm", "seed", "steps", "episodes", "last100_mean_return", "threshold", "steps_to_threshold"];

    public string[] Fields() =>
    [
        EnvId, Algorithm, Cell.Seed.ToString(CultureInfo.InvariantCulture), Cell.Steps.ToString(CultureInfo.InvariantCulture),
        Cell.Episodes.ToString(CultureInfo.InvariantCulture), Cell.LastEpisodesMeanReturn.ToString("R", CultureInfo.InvariantCulture),
        Threshold.ToString("R", CultureInfo.InvariantCulture),
        StepsToThreshold?.ToString(CultureInfo.InvariantCulture) ?? "",
    ];
}
