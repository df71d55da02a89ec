using DqnBridge.Cli.Commands;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>Learning curves of several seeds on one step axis: each seed's moving mean, and their mean and std.</summary>
public sealed record SeedCurves(double[] Steps, IReadOnlyList<double[]> PerSeed, double[] Mean, double[] Std);

public static class LearningCurves
{
    public const int Points = 200;

    /// <summary>One seed's (step, return) episodes from its episodes.csv; empty when the file is missing.</summary>
    public static List<(long Step, double Return)> Read(string episodesCsv) =>
        [.. TrainingRun.ReadEpisodes(episodesCsv).Select(e => (e.GlobalStep, e.Return))];

    /// <summary>
    /// Each seed's mean of its last 100 episodes as of every point of a common step grid (NaN before its first
    /// episode; with <paramref name="fullWindowOnly"/>, before its 100th: <see cref="RunningReturn"/>), then the mean
    /// and population std across the seeds that have a value at that point.
    /// </summary>
    public static SeedCurves Combine(IReadOnlyList<List<(long Step, double Return)>> seeds, int points = Points, bool fullWindowOnly = false)
    {
        var lastStep = seeds.Where(s => s.Count > 0).Select(s => s[^1].Step).DefaultIfEmpty(0).Max();
        var grid = Enumerable.Range(0, points).Select(i => lastStep * (i + 1.0) / points).ToArray();
        var perSeed = seeds.Select(episodes =>
        {
            var returns = episodes.Select(e => e.Return).ToList();
            var smoothed = fullWindowOnly ? RunningReturn.Means(returns) : LearningCurve.MovingMean(returns, Benchmark.LastEpisodes);
            var values = new double[points];
            var next = 0;
            for (var p = 0; p < points; p++)
            {
                while (next < episodes.Count && episodes[next].Step <= grid[p])
                {
                    next++;
                }

                values[p] = next == 0 ? double.NaN : smoothed[next - 1];
            }
            return values;
        }).ToList();

        var mean = new double[points];
        var std = new double[points];
        for (var p = 0; p < points; p++)
        {
            var here = perSeed.Select(v => v[p]).Where(v => !double.IsNaN(v)).ToList();
            mean[p] = SeedStatistics.Mean(here);
            std[p] = SeedStatistics.Std(here);
        }
        return new SeedCurves(grid, perSeed, mean, std);
    }
}
