using System.Globalization;
using DqnBridge.Agent;
using DqnBridge.Cli.Config;
using DqnBridge.Cli.Output;
using Spectre.Console;

namespace DqnBridge.Cli.Commands;

/// <summary>Everything one training run leaves behind and reports.</summary>
public sealed record RunOutcome(string RunDirectory, TrainingResult Result, IReadOnlyList<EpisodeRow> Episodes)
{
    public double? RecentMeanReturn => Episodes.Count == 0 ? null : Episodes.TakeLast(Benchmark.LastEpisodes).Average(e => e.Return);
}

/// <summary>
/// One run: makes runs/&lt;run-name&gt;/, writes config.yaml, trains with a progress display (the trainer
/// writes episodes.csv, TensorBoard events and checkpoints), then draws learning_curve.png. Used by `train` and by each cell of `benchmark`.
/// </summary>
public sealed class TrainingRun(ITrainingBackend backend, IAnsiConsole console, TextWriter output, TimeSpan plainProgressInterval)
{
    public const string ConfigFile = "config.yaml";
    /// <summary>Written by the trainer, one row per episode.</summary>
    public const string EpisodesFile = "episodes.csv";
    public const string CurveFile = "learning_curve.png";

    public RunOutcome Run(DqnConfig config, string? runName, CancellationToken cancellation)
    {
        runName ??= RunNames.Make(config.EnvId, config.ExpName, config.Seed, DateTimeOffset.UtcNow);
        var runDirectory = Path.Combine(config.RunsDir, RunNames.Safe(runName));
        CreateRunDirectory(runDirectory);
        AtomicFile.WriteAllText(Path.Combine(runDirectory, ConfigFile),
            ConfigLoader.ToYaml(config, $"Resolved config of run {runName} (dqnbridge train -c this file reproduces it)"));

        var episodes = new List<EpisodeRow>();
        var view = new ProgressView(console, output, plainProgressInterval);
        TrainingResult result;
        try
        {
            result = view.Run($"Training {config.EnvId} (seed {config.Seed}) -> {runDirectory}", report =>
                backend.Train(config, runDirectory, report, episodes.Add, cancellation));
        }
        catch
        {
            RemoveIfNothingRan(runDirectory);
            throw;
        }

        LearningCurve.SavePng(Path.Combine(runDirectory, CurveFile), $"DQN on {config.EnvId} (seed {config.Seed})",
            episodes.Select(e => (e.GlobalStep, e.Return)).ToList());
        EvalCurve.SaveIfPresent(runDirectory, $"Evaluations of {Path.GetFileName(runDirectory)}");
        return new RunOutcome(runDirectory, result, episodes);
    }

    /// <summary>Continues an interrupted run from its checkpoint, in its own folder, then redraws its learning curve from episodes.csv.</summary>
    public RunOutcome Resume(string checkpointDirectory, CancellationToken cancellation)
    {
        string runDirectory = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(checkpointDirectory))!)!;
        var view = new ProgressView(console, output, plainProgressInterval);
        var result = view.Run($"Resuming {runDirectory}", report =>
            backend.Resume(checkpointDirectory, report, _ => { }, cancellation));
        var episodes = ReadEpisodes(Path.Combine(runDirectory, EpisodesFile));
        LearningCurve.SavePng(Path.Combine(runDirectory, CurveFile), $"DQN, {Path.GetFileName(runDirectory)}",
            episodes.Select(e => (e.GlobalStep, e.Return)).ToList());
        EvalCurve.SaveIfPresent(runDirectory, $"Evaluations of {Path.GetFileName(runDirectory)}");
        return new RunOutcome(runDirectory, result, episodes);
    }

    /// <summary>The rows of a run's episodes.csv (global_step, episode, return, length, epsilon, wall_time).</summary>
    public static List<EpisodeRow> ReadEpisodes(string path)
    {
        var rows = new List<EpisodeRow>();
        if (!File.Exists(path))
            return rows;
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var fields = line.Split(',');
            if (fields.Length < 5)
                continue;
            rows.Add(new EpisodeRow(
                long.Parse(fields[0], CultureInfo.InvariantCulture),
                double.Parse(fields[2], CultureInfo.InvariantCulture),
                int.Parse(fields[3], CultureInfo.InvariantCulture),
                double.Parse(fields[4], CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    public void PrintSummary(RunOutcome outcome)
    {
        var r = outcome.Result;
        var mean = outcome.RecentMeanReturn is { } m ? m.ToString("F2", CultureInfo.InvariantCulture) : "no episode finished";
        output.WriteLine();
        output.WriteLine(r.Cancelled ? "Training interrupted." : "Training finished.");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  steps          {r.Steps:N0} in {ProgressSnapshot.FormatTime(r.Elapsed)} ({r.StepsPerSecond:N0} steps/s)"));
        output.WriteLine($"  episodes       {outcome.Episodes.Count}");
        output.WriteLine($"  mean return    {mean} (last {Math.Min(Benchmark.LastEpisodes, outcome.Episodes.Count)} episodes)");
        output.WriteLine($"  run folder     {outcome.RunDirectory}");
        if (r.CheckpointPath is not null)
            output.WriteLine($"  checkpoint     {r.CheckpointPath}");
        output.WriteLine($"  learning curve {Path.Combine(outcome.RunDirectory, CurveFile)}");
        if (r.CheckpointPath is not null)
            output.WriteLine($"Evaluate it with: dqnbridge evaluate {r.CheckpointPath}");
    }

    /// <summary>A typo in the environment id should not leave a folder holding only config.yaml behind.</summary>
    private static void RemoveIfNothingRan(string runDirectory)
    {
        var files = Directory.GetFileSystemEntries(runDirectory);
        if (files.All(f => Path.GetFileName(f) is ConfigFile or "config.json"))
            Directory.Delete(runDirectory, recursive: true);
    }

    private static void CreateRunDirectory(string runDirectory)
    {
        try
        {
            Directory.CreateDirectory(runDirectory);
            var probe = Path.Combine(runDirectory, ".write-test");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(
                $"Cannot write the run folder '{runDirectory}': {e.Message}\nChoose a writable folder with runs_dir=PATH.");
        }
    }
}
