using System.Text;
using DqnBridge.Cli.Commands;
using DqnBridge.Cli.Output;
using static DqnBridge.Cli.Benchmarking.StatisticsText;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// `benchmark compare`: our benchmark folders against a reference algorithm's, environment by environment. The
/// reference's final return (mean over its seeds of each seed's last-100 mean) is the threshold; for every seed of
/// both, the first step at which its running last-100 mean (<see cref="RunningReturn"/>) reaches it. Writes
/// compare.csv (one row per algorithm x env x seed), compare.md and compare.png into the output folder.
/// </summary>
public static class BenchmarkCompare
{
    public const string CompareCsv = "compare.csv";
    public const string CompareMarkdown = "compare.md";
    public const string ComparePlot = "compare.png";

    public static string Compare(IReadOnlyList<string> ours, IReadOnlyList<string> reference, string label, string referenceLabel, string output)
    {
        if (label == referenceLabel)
        {
            throw new CliException($"Both algorithms are labelled '{label}': give --label or --reference-label another name.", ExitCodes.UsageError);
        }

        var oursByEnv = ReadSeeds(ours, "");
        var referenceByEnv = ReadSeeds(reference, "--reference ");
        var lacking = oursByEnv.Keys.Where(env => !referenceByEnv.ContainsKey(env)).ToList();
        if (lacking.Count > 0)
        {
            throw new CliException(
                $"The reference benchmark(s) ({string.Join(", ", reference)}) have no {string.Join(", ", lacking)}: " +
                "pass (with --reference) a benchmark folder of the reference algorithm that trained them.", ExitCodes.UsageError);
        }

        var environments = oursByEnv
            .Select(e => EnvironmentReach.Of(e.Key, label, referenceLabel, e.Value, referenceByEnv[e.Key]))
            .ToList();
        Directory.CreateDirectory(output);
        AtomicFile.WriteCsv(Path.Combine(output, CompareCsv), SeedReach.Header,
            environments.SelectMany(e => e.Ours.Concat(e.Reference)).Select(s => s.Fields()));
        var markdown = Markdown(environments, label, referenceLabel);
        AtomicFile.WriteAllText(Path.Combine(output, CompareMarkdown), markdown);
        ReachPlot.Save(Path.Combine(output, ComparePlot), environments,
            oursByEnv.ToDictionary(e => e.Key, e => e.Value.Select(s => s.Episodes).ToList()),
            referenceByEnv.ToDictionary(e => e.Key, e => e.Value.Select(s => s.Episodes).ToList()),
            label, referenceLabel);
        return markdown;
    }

    /// <summary>
    /// Every seed of every environment of the folders, with its result and episodes, environments in the folders'
    /// order. Each folder must be complete, and no environment may be in two of them.
    /// </summary>
    private static Dictionary<string, List<(CellResult Result, List<(long Step, double Return)> Episodes)>> ReadSeeds(IReadOnlyList<string> folders, string option)
    {
        var byEnv = new Dictionary<string, List<(CellResult, List<(long, double)>)>>();
        var from = new Dictionary<string, string>();
        foreach (var folder in folders)
        {
            var (grid, finished, missing) = BenchmarkMerge.ReadCells(folder);
            if (missing.Count > 0)
            {
                throw new CliException(
                    $"{option}{folder} is not finished: {string.Join(", ", missing.Select(c => c.FolderName))} have no result yet. " +
                    "Compare finished benchmarks only (run the shards that own those cells first).");
            }

            foreach (var env in grid.EnvIds)
            {
                if (from.TryGetValue(env, out var other))
                {
                    throw new CliException($"{env} is in two {option}benchmark folders ({other} and {folder}): pass one of them.", ExitCodes.UsageError);
                }

                from[env] = folder;
                byEnv[env] = [.. finished.Where(f => f.Cell.EnvId == env).Select(f => (f.Result,
                    LearningCurves.Read(Path.Combine(folder, f.Cell.FolderName, ShardRunner.RunFolderName, TrainingRun.EpisodesFile))))];
            }
        }
        return byEnv;
    }

    public static string Markdown(IReadOnlyList<EnvironmentReach> environments, string label, string referenceLabel)
    {
        var lastN = Benchmark.LastEpisodes;
        var text = new StringBuilder();
        text.AppendLine($"Threshold: {referenceLabel}'s final return, the mean over its seeds of each seed's mean return over its last {lastN} episodes. " +
                        $"Steps to reach: per seed, the global step at which the running last-{lastN} mean (the mean return of the last {lastN} episodes ended so far, " +
                        $"from the {lastN}th episode on) is first at least the threshold. Median: a seed that never reached it counts as later than every step; " +
                        "mean: only when every seed reached it.");
        text.AppendLine();
        text.AppendLine($"| Environment | Steps | Threshold ({referenceLabel} final) | {label}: seeds reaching | {label}: median steps | {label}: mean steps | {label} per seed | {referenceLabel} (own seeds): reaching | {referenceLabel}: median steps |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|:---|---:|---:|");
        foreach (var e in environments)
        {
            var steps = F($"{e.Ours.Concat(e.Reference).Max(s => s.Cell.Steps):N0}");
            var perSeed = string.Join("; ", e.Ours.Select(s => F($"{s.Cell.Seed}: {Steps(s.StepsToThreshold)}")));
            text.AppendLine(F($"| {e.EnvId} | {steps} | {Num(e.Threshold)} | {e.OursReach.Reached}/{e.OursReach.Seeds} | {Steps(e.OursReach.Median)} | {Steps(e.OursReach.Mean)} | {perSeed} | {e.ReferenceReach.Reached}/{e.ReferenceReach.Seeds} | {Steps(e.ReferenceReach.Median)} |"));
        }

        text.AppendLine();
        text.AppendLine($"Final return (per seed, the mean of its last {lastN} episodes): mean ± std (population, ddof 0), median, IQM [95% bootstrap CI]; " +
                        $"{label} - {referenceLabel}: the difference of the means with its 95% bootstrap interval; the verdict is \"worse\" when the whole interval is below 0, " +
                        "\"better\" when it is above 0, otherwise \"no detectable difference\".");
        text.AppendLine();
        text.AppendLine($"| Environment | {label} mean ± std (seeds) | {label} median | {label} IQM [95% CI] | {referenceLabel} mean ± std (seeds) | {referenceLabel} median | {referenceLabel} IQM [95% CI] | {label} - {referenceLabel} [95% CI] | Welch t-test p | Mann-Whitney U p | Verdict |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|");
        foreach (var e in environments)
        {
            var s = e.Final;
            text.AppendLine(F($"| {e.EnvId} | {MeanStd(s.Mean, s.Std)} ({s.Cells.Count}) | {Num(s.Median)} | {WithInterval(s.Iqm)} | {MeanStd(s.BaselineMean, s.BaselineStd)} ({s.BaselineReturns.Count}) | {Num(SeedStatistics.Median(s.BaselineReturns))} | {WithInterval(s.BaselineIqm)} | {WithInterval(s.Difference, signed: true)} | {P(s.WelchP)} | {P(s.MannWhitneyP)} | {s.Verdict} |"));
        }

        text.AppendLine();
        text.AppendLine(F($"Bootstrap: {SeedStatistics.BootstrapResamples:N0} resamples of the seeds with replacement (each group on its own), percentile intervals, seeded per environment and statistic."));
        return text.ToString();
    }

    private static string Steps(double? steps) => steps is { } s ? F($"{s:N0}") : "not reached";

    private static string Steps(long? steps) => steps is { } s ? F($"{s:N0}") : "not reached";
}
