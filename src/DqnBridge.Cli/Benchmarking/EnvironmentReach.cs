namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// One environment of a comparison: the threshold (the reference's final return, the mean over its seeds), every
/// seed of both algorithms with its steps to that threshold, and the final returns' statistics across seeds
/// (<see cref="Final"/>, with the reference in the baseline's place).
/// </summary>
public sealed record EnvironmentReach(string EnvId, IReadOnlyList<SeedReach> Ours, IReadOnlyList<SeedReach> Reference, EnvironmentSummary Final)
{
    public double Threshold => Final.BaselineMean;

    public ReachStatistics OursReach { get; } = ReachStatistics.Of([.. Ours.Select(s => s.StepsToThreshold)]);

    /// <summary>The reference's own seeds against their mean: how far apart its seeds reach what it ends at on average.</summary>
    public ReachStatistics ReferenceReach { get; } = ReachStatistics.Of([.. Reference.Select(s => s.StepsToThreshold)]);

    /// <summary>
    /// Compares our seeds of <paramref name="envId"/> with the reference's, given each seed's result and its
    /// (step, return) episodes.
    /// </summary>
    public static EnvironmentReach Of(
        string envId, string label, string referenceLabel,
        IReadOnlyList<(CellResult Result, List<(long Step, double Return)> Episodes)> ours,
        IReadOnlyList<(CellResult Result, List<(long Step, double Return)> Episodes)> reference)
    {
        var final = new EnvironmentSummary(envId, [.. ours.Select(o => o.Result)], [.. reference.Select(r => r.Result.LastEpisodesMeanReturn)], Published: null);
        var threshold = final.BaselineMean;
        SeedReach Reach(string algorithm, (CellResult Result, List<(long Step, double Return)> Episodes) seed) =>
            new(envId, algorithm, seed.Result, threshold, RunningReturn.FirstStepReaching(seed.Episodes, threshold));
        return new EnvironmentReach(envId, [.. ours.Select(o => Reach(label, o))], [.. reference.Select(r => Reach(referenceLabel, r))], final);
    }
}
