using System.Globalization;
using DqnBridge.Agent.Torch;
using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;
using DqnBridge.Cli.Config;
using DqnBridge.Cli.Output;
using Spectre.Console;

namespace DqnBridge.Cli.Commands;

/// <summary>Everything one training run leaves behind and reports.</summary>
public sealed record RunOutcome(string RunDirectory, TrainingSummary Result, IReadOnlyList<EpisodeRecord> Episodes)
{
    /// <summary>Set when `resume` found the run already finished and left it untouched: what to tell the user.</summary>
    public string? AlreadyFinished { get; init; }

    public double? RecentMeanReturn => Episodes.Count == 0 ? null : Episodes.TakeLast(Benchmark.LastEpisodes).Average(e => e.Return);
}

/// <summary>
/// One run: makes runs/&lt;run-name&gt;/ and locks it, writes config.yaml, trains with a progress display (the trainer
/// writes episodes.csv, TensorBoard events and checkpoints), then draws learning_curve.png. Used by `train` and by each
/// cell of `benchmark`.
/// </summary>
public sealed class TrainingRun(ITrainingBackend backend, IAnsiConsole console, TextWriter output, TimeSpan plainProgressInterval)
{
    public const string ConfigFile = "config.yaml";
    /// <summary>Written by the trainer, one row per episode.</summary>
    public const string EpisodesFile = "episodes.csv";
    public const string CurveFile = "learning_curve.png";

    /// <summary>Where <see cref="Run"/> prints the config's warnings once the run folder is known to be usable (null: not at all).</summary>
    public TextWriter? Warnings { get; init; }

    /// <summary>
    /// Trains a new run in runs_dir/<paramref name="runName"/>. A folder that already holds a run is refused (exit 2)
    /// unless <paramref name="overwrite"/> is set; then the old run stays where it is until the new one has started
    /// (see <see cref="ReplaceOnStart"/>).
    /// </summary>
    public RunOutcome Run(DqnConfig config, string? runName, CancellationToken cancellation, bool overwrite = false)
    {
        ExplicitPython.Check(backend, config);
        runName ??= RunNames.Make(config.EnvId, config.ExpName, config.Seed, DateTimeOffset.UtcNow);
        var runDirectory = RunNames.FolderOf(config.RunsDir, runName);
        OverwrittenRuns.Recover(runDirectory, Warnings ?? output);
        AtomicFile.CreateFolder(runDirectory, "run", checkWritable: true, hint: "\nChoose a writable folder with runs_dir=PATH.");
        // Lock first, then look: a second process aimed at a run in progress learns who holds it (exit 1). The lock
        // file names this process only once the run is accepted: a refused train leaves it as it was.
        using var runLock = RunLock.Acquire(runDirectory, recordOwner: false);
        bool holdsARun = RunLock.HoldsARun(runDirectory);
        if (holdsARun && !overwrite)
        {
            throw new CliException(
                $"Run folder '{runDirectory}' already holds a run. Continue it with `dqnbridge resume {runDirectory}`, " +
                "or start it over with --overwrite (the old run is removed only once the new one has started).",
                ExitCodes.UsageError);
        }

        runLock.RecordOwner();
        foreach (var warning in ConfigValidation.Warnings(config))
        {
            Warnings?.WriteLine($"warning: {warning}");
        }
        if (DqnUpdates.AutoChoiceNotice(config) is { } updatePathNotice)
        {
            output.WriteLine(updatePathNotice);
        }

        if (!holdsARun)
        {
            return TrainFresh(config, runName, runDirectory, cancellation);
        }

        return ReplaceOnStart(config, runName, runDirectory, runLock, cancellation);
    }

    private RunOutcome TrainFresh(DqnConfig config, string runName, string runDirectory, CancellationToken cancellation)
    {
        WriteConfig(config, runName, runDirectory);
        var episodes = new List<EpisodeRecord>();
        TrainingSummary result;
        try
        {
            // Written again once the environments exist: the backend names the Python it used when DQNBRIDGE_PYTHON or PATH chose it.
            var events = new TrainingEvents(_ => { }, episodes.Add) { OnStarting = () => WriteConfig(config, runName, runDirectory) };
            result = TrainWithProgress(config, runDirectory, events, cancellation);
        }
        catch
        {
            // A typo in the environment id should not leave a folder holding only config.yaml behind.
            if (NothingRan(runDirectory))
            {
                Directory.Delete(runDirectory, recursive: true);
            }

            throw;
        }
        return Finish(config, runDirectory, result, episodes);
    }

    /// <summary>
    /// `train --overwrite` into a folder that holds a run. Nothing is moved or deleted until the new run has
    /// started (its environments exist): only then is the old folder renamed aside to a hidden sibling
    /// (.NAME.overwritten-PID, same file system, so the rename is atomic) and a fresh folder made in its place.
    /// If the new run fails before training anything, the old folder is renamed back; once the new run has
    /// finished or stopped with a checkpoint, the old one is deleted. A run killed in between leaves the old run
    /// in the hidden folder, never lost.
    /// </summary>
    private RunOutcome ReplaceOnStart(DqnConfig config, string runName, string runDirectory, RunLock oldLock, CancellationToken cancellation)
    {
        string aside = OverwrittenRuns.AsideOf(runDirectory, Environment.ProcessId);
        RunLock? newLock = null;
        bool swapped = false;
        var episodes = new List<EpisodeRecord>();
        var events = new TrainingEvents(_ => { }, episodes.Add)
        {
            OnStarting = () =>
            {
                // Our lock handle stays on the old folder's lock file while it moves, so no one can start in it meanwhile.
                Directory.Move(runDirectory, aside);
                swapped = true;
                Directory.CreateDirectory(runDirectory);
                newLock = RunLock.Acquire(runDirectory);
                WriteConfig(config, runName, runDirectory);
                output.WriteLine($"Replacing the run in {runDirectory} (--overwrite); the old run is deleted when this one ends.");
                TestHooks.HoldAt(TestHooks.OverwriteSwapped, output);
            },
        };
        try
        {
            TrainingSummary result;
            try
            {
                result = TrainWithProgress(config, runDirectory, events, cancellation);
            }
            catch
            {
                if (swapped)
                {
                    RestoreOrKeep(runDirectory, aside, ownNewFolder: newLock is not null);
                }

                throw;
            }
            oldLock.Dispose();
            Directory.Delete(aside, recursive: true);
            return Finish(config, runDirectory, result, episodes);
        }
        finally
        {
            newLock?.Dispose();
        }
    }

    /// <summary>The new run failed: put the old one back if the new one trained nothing, else keep both and say where.</summary>
    private void RestoreOrKeep(string runDirectory, string aside, bool ownNewFolder)
    {
        if (ownNewFolder && NothingRan(runDirectory))
        {
            Directory.Delete(runDirectory, recursive: true);
        }

        if (!Directory.Exists(runDirectory))
        {
            Directory.Move(aside, runDirectory);
            output.WriteLine($"The new run did not start; the old run is back in {runDirectory}.");
        }
        else
        {
            output.WriteLine($"The new run stopped after it started; the old run is kept in {aside}.");
        }
    }

    private TrainingSummary TrainWithProgress(DqnConfig config, string runDirectory, TrainingEvents events, CancellationToken cancellation)
    {
        var view = new ProgressView(console, output, plainProgressInterval);
        output.WriteLine(TorchRuntime.ResolveThreads(config.TorchThreads, config.Network).Description);
        return view.Run($"Training {config.EnvId} (seed {config.Seed}) -> {runDirectory}", report =>
            backend.Train(config, runDirectory, events with { OnProgress = report }, cancellation));
    }

    private static RunOutcome Finish(DqnConfig config, string runDirectory, TrainingSummary result, List<EpisodeRecord> episodes) =>
        DrawCurves($"DQN on {config.EnvId} (seed {config.Seed})", new RunOutcome(runDirectory, result, episodes));

    /// <summary>learning_curve.png, and eval_curve.png when the run evaluated.</summary>
    private static RunOutcome DrawCurves(string title, RunOutcome outcome)
    {
        LearningCurve.SavePng(Path.Combine(outcome.RunDirectory, CurveFile), title, [.. outcome.Episodes.Select(e => (e.GlobalStep, e.Return))]);
        EvalCurve.SaveIfPresent(outcome.RunDirectory, $"Evaluations of {Path.GetFileName(outcome.RunDirectory)}");
        return outcome;
    }

    private static void WriteConfig(DqnConfig config, string runName, string runDirectory) =>
        AtomicFile.WriteAllText(Path.Combine(runDirectory, ConfigFile),
            ConfigLoader.ToYaml(config, $"Resolved config of run {runName} (dqnbridge train -c this file reproduces it)"));

    /// <summary>
    /// Continues an interrupted run from its checkpoint, in its own folder (locked meanwhile), then redraws its
    /// learning curve from episodes.csv. <paramref name="checkpointDirectory"/> is runs/NAME/checkpoints/latest (or
    /// another checkpoint folder of that run); the backend falls back to the newest complete one and says so.
    /// </summary>
    /// <param name="leaveFinished">When the run has already finished, return at once (<see cref="RunOutcome.AlreadyFinished"/>) writing nothing.</param>
    public RunOutcome Resume(string checkpointDirectory, CancellationToken cancellation, bool leaveFinished = false)
    {
        string runDirectory = Path.GetDirectoryName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(checkpointDirectory)))!)!;
        OverwrittenRuns.Recover(runDirectory, output);
        if (!Directory.Exists(runDirectory))
        {
            throw new CliException($"Run folder '{runDirectory}' does not exist. Pass the run folder (runs/NAME) that training printed.");
        }
        // Locked before looking for the checkpoint: a run still training says who trains it.
        using var runLock = RunLock.Acquire(runDirectory, recordOwner: false);
        if (!AgentBackend.CheckpointExists(checkpointDirectory))
        {
            throw new CliException($"There is no checkpoint at '{checkpointDirectory}' (a run stopped before its first checkpoint cannot be resumed).");
        }

        // A finished run is left exactly as it is (no checkpoint, TensorBoard file or lock file rewritten).
        if (leaveFinished && backend.FinishedRun(checkpointDirectory) is { } finished)
        {
            return new RunOutcome(runDirectory, new TrainingSummary(0, 0, 0, 0, 0, 0, "", Cancelled: false), []) { AlreadyFinished = finished };
        }

        runLock.RecordOwner();

        var view = new ProgressView(console, output, plainProgressInterval);
        var result = view.Run($"Resuming {runDirectory}", report =>
            backend.Resume(checkpointDirectory, new TrainingEvents(report, _ => { }) { OnNotice = output.WriteLine }, cancellation));
        return DrawCurves($"DQN, {Path.GetFileName(runDirectory)}", new RunOutcome(runDirectory, result, ReadEpisodes(Path.Combine(runDirectory, EpisodesFile))));
    }

    /// <summary>The rows of a run's episodes.csv (global_step, episode, return, length, epsilon, wall_time).</summary>
    public static List<EpisodeRecord> ReadEpisodes(string path)
    {
        var rows = new List<EpisodeRecord>();
        if (!File.Exists(path))
        {
            return rows;
        }

        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var fields = line.Split(',');
            if (fields.Length < 6)
            {
                continue;
            }

            rows.Add(new EpisodeRecord(
                long.Parse(fields[0], CultureInfo.InvariantCulture),
                long.Parse(fields[1], CultureInfo.InvariantCulture),
                double.Parse(fields[2], CultureInfo.InvariantCulture),
                int.Parse(fields[3], CultureInfo.InvariantCulture),
                double.Parse(fields[4], CultureInfo.InvariantCulture),
                double.Parse(fields[5], CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    /// <summary>
    /// Prints the run's summary and returns the exit code: 0, or 130 for a run that was interrupted, which also gets
    /// <paramref name="interrupted"/> on <paramref name="error"/>.
    /// </summary>
    public int Summarize(RunOutcome outcome, TextWriter error, string interrupted)
    {
        PrintSummary(outcome);
        if (!outcome.Result.Cancelled)
        {
            return ExitCodes.Ok;
        }

        error.WriteLine(interrupted);
        return ExitCodes.Cancelled;
    }

    private void PrintSummary(RunOutcome outcome)
    {
        var r = outcome.Result;
        var mean = outcome.RecentMeanReturn is { } m ? m.ToString("F2", CultureInfo.InvariantCulture) : "no episode finished";
        output.WriteLine();
        output.WriteLine(r.Cancelled ? "Training interrupted." : "Training finished.");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  steps          {r.Steps:N0} in {ProgressView.FormatTime(TimeSpan.FromSeconds(r.WallTimeSeconds))} ({r.StepsPerSecond:N0} steps/s)"));
        output.WriteLine($"  episodes       {outcome.Episodes.Count}");
        output.WriteLine($"  mean return    {mean} (last {Math.Min(Benchmark.LastEpisodes, outcome.Episodes.Count)} episodes)");
        output.WriteLine($"  run folder     {outcome.RunDirectory}");
        if (r.CheckpointPath.Length > 0)
        {
            output.WriteLine($"  checkpoint     {r.CheckpointPath}");
        }

        output.WriteLine($"  learning curve {Path.Combine(outcome.RunDirectory, CurveFile)}");
        if (r.CheckpointPath.Length > 0)
        {
            output.WriteLine($"Evaluate it with: dqnbridge evaluate {r.CheckpointPath}");
        }
    }

    /// <summary>Whether a run folder holds nothing but what is written before the first step (config, lock).</summary>
    private static bool NothingRan(string runDirectory) =>
        Directory.GetFileSystemEntries(runDirectory).All(f => Path.GetFileName(f) is ConfigFile or "config.json" or RunLock.FileName);
}
