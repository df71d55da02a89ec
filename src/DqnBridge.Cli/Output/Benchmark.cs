using System.Globalization;
using System.Text;

namespace DqnBridge.Cli.Output;

/// <summary>CleanRL's published dqn.py result for one environment (mean ± std of episodic return).</summary>
public sealed record ReferenceResult(double Mean, double Std);

/// <summary>One finished training run of the benchmark.</summary>
public sealed record BenchmarkRun(string EnvId, int Seed, long TotalTimesteps, IReadOnlyList<double> EpisodeReturns, double StepsPerSecond);

/// <summary>One environment's line of results.csv and of the markdown table.</summary>
public sealed record BenchmarkRow(
    string EnvId, int Seeds, long TotalTimesteps, double MeanReturn, double StdReturn, double StepsPerSecond,
    ReferenceResult? CleanRl)
{
    /// <summary>
    /// The rule: our mean reaches CleanRL's when it is at least CleanRL's mean minus one CleanRL standard deviation.
    /// </summary>
    public bool? ReachesCleanRl => CleanRl is null ? null : MeanReturn >= CleanRl.Mean - CleanRl.Std;
}

public static class Benchmark
{
    public const int LastEpisodes = 100;

    /// <summary>CleanRL's dqn.py numbers from its documentation (3 seeds, 500k steps).</summary>
    public static readonly IReadOnlyDictionary<string, ReferenceResult> CleanRlReference = new Dictionary<string, ReferenceResult>
    {
        ["CartPole-v1"] = new(488.69, 16.11),
        ["Acrobot-v1"] = new(-91.54, 7.20),
        ["MountainCar-v0"] = new(-194.95, 8.48),
    };

    public const string ReachRule = "reaches = our mean >= CleanRL mean - CleanRL std";

    /// <summary>
    /// Pools the last <see cref="LastEpisodes"/> returns of every seed of an environment and takes their mean and
    /// (population) standard deviation; steps per second is the mean over seeds.
    /// </summary>
    public static List<BenchmarkRow> Aggregate(IEnumerable<BenchmarkRun> runs) => runs
        .GroupBy(r => r.EnvId)
        .Select(group =>
        {
            var pooled = group.SelectMany(r => r.EpisodeReturns.TakeLast(LastEpisodes)).ToList();
            var mean = pooled.Count > 0 ? pooled.Average() : double.NaN;
            var std = pooled.Count > 0 ? Math.Sqrt(pooled.Sum(x => (x - mean) * (x - mean)) / pooled.Count) : double.NaN;
            return new BenchmarkRow(group.Key, group.Count(), group.Max(r => r.TotalTimesteps), mean, std,
                group.Average(r => r.StepsPerSecond), CleanRlReference.GetValueOrDefault(group.Key));
        })
        .ToList();

    public static void WriteCsv(string path, IEnumerable<BenchmarkRow> rows) => AtomicFile.WriteCsv(path,
        ["env_id", "seeds", "total_timesteps", "mean_return", "std_return", "steps_per_second", "cleanrl_mean", "cleanrl_std", "reaches_cleanrl"],
        rows.Select(r => new[]
        {
            r.EnvId, Num(r.Seeds), Num(r.TotalTimesteps), Num(r.MeanReturn), Num(r.StdReturn), Num(r.StepsPerSecond),
            r.CleanRl is null ? "" : Num(r.CleanRl.Mean), r.CleanRl is null ? "" : Num(r.CleanRl.Std),
            r.ReachesCleanRl switch { true => "true", false => "false", null => "" },
        }));

    public static string MarkdownTable(IEnumerable<BenchmarkRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine($"| Environment | Seeds | Steps | Ours (last {LastEpisodes} episodes) | CleanRL dqn.py | Reaches CleanRL | Steps/s |");
        text.AppendLine("|---|---:|---:|---:|---:|:---:|---:|");
        foreach (var r in rows)
        {
            var reference = r.CleanRl is null ? "n/a" : $"{r.CleanRl.Mean:F2} ± {r.CleanRl.Std:F2}";
            var reaches = r.ReachesCleanRl switch { true => "yes", false => "no", null => "n/a" };
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.EnvId} | {r.Seeds} | {r.TotalTimesteps:N0} | {r.MeanReturn:F2} ± {r.StdReturn:F2} | {reference} | {reaches} | {r.StepsPerSecond:F0} |"));
        }
        return text.ToString();
    }

    private static string Num(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);
}
