using System.Globalization;
using System.Text;
using DqnBridge.Cli.Commands;
using DqnBridge.Cli.Output;
using static DqnBridge.Cli.Benchmarking.StatisticsText;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>What merge found and wrote.</summary>
public sealed record MergeOutcome(IReadOnlyList<BenchmarkCell> Missing, string Markdown);

/// <summary>
/// Reads every cell of a benchmark folder and writes results.csv (one row per finished cell, in grid order),
/// results.md (statistics per environment, against the baseline) and results.png.
/// </summary>
public static class BenchmarkMerge
{
    public const string ResultsCsv = "results.csv";
    public const string ResultsMarkdown = "results.md";
    public const string ResultsPlot = "results.png";

    public static MergeOutcome Merge(string folder, Baseline baseline)
    {
        var (grid, finished, missing) = ReadCells(folder);

        AtomicFile.WriteCsv(Path.Combine(folder, ResultsCsv), CellResult.Header, finished.Select(f => f.Result.Fields()));

        var summaries = grid.EnvIds
            .Select(env => new EnvironmentSummary(env, [.. finished.Where(f => f.Cell.EnvId == env).Select(f => f.Result)],
                baseline.For(env), baseline.Published.GetValueOrDefault(env)))
            .ToList();
        var markdown = Markdown(summaries, baseline, missing);
        AtomicFile.WriteAllText(Path.Combine(folder, ResultsMarkdown), markdown);

        var curves = summaries.ToDictionary(s => s.EnvId, s => finished.Where(f => f.Cell.EnvId == s.EnvId)
            .Select(f => LearningCurves.Read(Path.Combine(folder, f.Cell.FolderName, ShardRunner.RunFolderName, TrainingRun.EpisodesFile)))
            .Where(c => c.Count > 0).ToList());
        BenchmarkPlot.Save(Path.Combine(folder, ResultsPlot), summaries, curves, baseline.Label);
        return new MergeOutcome(missing, markdown);
    }

    /// <summary>
    /// The grid of a benchmark folder, its finished cells (each result checked against its folder and its run) and
    /// the cells without a result yet; throws, naming each, when some results cannot be trusted.
    /// </summary>
    public static (BenchmarkGrid Grid, List<(BenchmarkCell Cell, CellResult Result)> Finished, List<BenchmarkCell> Missing) ReadCells(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new CliException($"Benchmark folder '{folder}' does not exist.");
        }

        var grid = GridManifest.Read(folder).Grid;

        var finished = new List<(BenchmarkCell Cell, CellResult Result)>();
        var missing = new List<BenchmarkCell>();
        var bad = new List<string>();
        foreach (var cell in grid.Cells)
        {
            var path = Path.Combine(folder, cell.FolderName, CellResult.FileName);
            if (File.Exists(path))
            {
                var result = CellResult.Read(path);
                if (Mismatch(folder, cell, result) is { } problem)
                {
                    bad.Add($"{Path.Combine(folder, cell.FolderName)}: {problem}");
                }

                finished.Add((cell, result));
            }
            else
            {
                missing.Add(cell);
            }
        }

        if (bad.Count > 0)
        {
            throw new CliException(
                $"{bad.Count} cell result(s) cannot be trusted, so nothing was merged:\n  " + string.Join("\n  ", bad) +
                "\nRedo each: delete its cell folder and run the benchmark (or shard) command that trains it again, with the same -o folder " +
                "(cells with a result are skipped); then run `dqnbridge benchmark merge` again.");
        }

        return (grid, finished, missing);
    }

    /// <summary>
    /// Why a cell's result.csv does not belong to its folder or disagrees with its run's own episodes.csv (the env
    /// and seed of the folder, a finite mean, the episode count and the last-100 mean recomputed), or null when it agrees.
    /// </summary>
    public static string? Mismatch(string folder, BenchmarkCell cell, CellResult result)
    {
        if (result.EnvId != cell.EnvId || result.Seed != cell.Seed)
        {
            return $"result.csv is for {result.EnvId} seed {result.Seed}, not this folder's {cell.EnvId} seed {cell.Seed}";
        }

        if (!double.IsFinite(result.LastEpisodesMeanReturn))
        {
            return $"its last-{Output.Benchmark.LastEpisodes} mean return is {result.LastEpisodesMeanReturn} (no episode finished? then train it longer)";
        }

        var episodesCsv = Path.Combine(folder, cell.FolderName, ShardRunner.RunFolderName, TrainingRun.EpisodesFile);
        if (!File.Exists(episodesCsv))
        {
            return $"its run's {TrainingRun.EpisodesFile} is missing ({episodesCsv})";
        }

        var episodes = TrainingRun.ReadEpisodes(episodesCsv);
        if (episodes.Count != result.Episodes)
        {
            return $"result.csv counts {result.Episodes} episodes, its run's {TrainingRun.EpisodesFile} lists {episodes.Count}";
        }

        double recomputed = episodes.TakeLast(Output.Benchmark.LastEpisodes).Average(e => e.Return);
        if (Math.Abs(recomputed - result.LastEpisodesMeanReturn) > 1e-9 * Math.Max(1, Math.Abs(recomputed)))
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"result.csv's last-{Output.Benchmark.LastEpisodes} mean return {result.LastEpisodesMeanReturn:R} is not the {recomputed:R} of its run's {TrainingRun.EpisodesFile}");
        }

        return null;
    }

    public static string Markdown(IReadOnlyList<EnvironmentSummary> summaries, Baseline baseline, IReadOnlyList<BenchmarkCell> missing)
    {
        var text = new StringBuilder();
        var lastN = Benchmark.LastEpisodes;
        text.AppendLine($"Per seed: the mean return of its last {lastN} training episodes. Across seeds: mean ± std (population std, ddof 0, as CleanRL's tables), median, IQM [95% bootstrap CI].");
        text.AppendLine();
        text.AppendLine("| Environment | Seeds | Steps | Mean ± std | Median | IQM [95% CI] | Steps/s |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var s in summaries)
        {
            var steps = s.Cells.Count == 0 ? "" : F($"{s.Cells.Max(c => c.Steps):N0}");
            var speed = s.Cells.Count == 0 ? "" : F($"{s.Cells.Average(c => c.StepsPerSecond):N0}");
            text.AppendLine(F($"| {s.EnvId} | {s.Cells.Count} | {steps} | {MeanStd(s.Mean, s.Std)} | {Num(s.Median)} | {WithInterval(s.Iqm)} | {speed} |"));
        }

        text.AppendLine();
        text.AppendLine($"Against {baseline.Label}: ours - baseline is the difference of the means across seeds with its 95% bootstrap interval; " +
                        "the verdict is \"worse\" when the whole interval is below 0, \"better\" when it is above 0, otherwise \"no detectable difference\".");
        text.AppendLine();
        text.AppendLine("| Environment | Ours (seeds) | Baseline (seeds) | Baseline IQM [95% CI] | Ours - baseline [95% CI] | Welch t-test p | Mann-Whitney U p | Verdict | Published by CleanRL (not per seed) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|:---|---:|");
        foreach (var s in summaries)
        {
            var published = s.Published is { } p ? F($"{p.Mean:F2} ± {p.Std:F2} ({p.Seeds} seeds, {p.Source})") : "n/a";
            if (!s.HasBaseline)
            {
                text.AppendLine(F($"| {s.EnvId} | {MeanStd(s.Mean, s.Std)} ({s.Cells.Count}) | n/a | n/a | n/a | n/a | n/a | n/a | {published} |"));
                continue;
            }
            text.AppendLine(F($"| {s.EnvId} | {MeanStd(s.Mean, s.Std)} ({s.Cells.Count}) | {MeanStd(s.BaselineMean, s.BaselineStd)} ({s.BaselineReturns.Count}) | {WithInterval(s.BaselineIqm)} | {WithInterval(s.Difference, signed: true)} | {P(s.WelchP)} | {P(s.MannWhitneyP)} | {s.Verdict} | {published} |"));
        }

        text.AppendLine();
        text.AppendLine(F($"Bootstrap: {SeedStatistics.BootstrapResamples:N0} resamples of the seeds with replacement (each group on its own), percentile intervals, seeded per environment and statistic, so the same cells always give the same table. IQM: the mean of the middle 50% of the seeds (floor(n/4) dropped at each end)."));
        if (missing.Count > 0)
        {
            text.AppendLine();
            text.AppendLine($"**Incomplete: {missing.Count} cell(s) missing**: " + string.Join(", ", missing.Select(c => $"{c.EnvId} seed {c.Seed}")) + ".");
        }
        return text.ToString();
    }
}
