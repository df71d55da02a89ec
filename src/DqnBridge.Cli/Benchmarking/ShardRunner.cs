using System.Globalization;
using DqnBridge.Agent.Training;
using DqnBridge.Cli.Commands;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>What one shard did.</summary>
public sealed record ShardOutcome(int Trained, int Skipped, bool Cancelled);

/// <summary>
/// Runs a shard's cells into one benchmark folder: each cell trains into FOLDER/&lt;cell&gt;/run/ and then gets its
/// one-row result.csv. A cell that already has a result is skipped, so a preempted shard can simply be started again;
/// a run left without a result by an interrupted attempt is removed and trained again from the start.
/// </summary>
public sealed class ShardRunner(TrainingRun training, TextWriter output)
{
    public const string RunFolderName = "run";

    /// <param name="configs">The resolved config of every cell of the shard, resolved before anything trains.</param>
    public ShardOutcome Run(string folder, Shard shard, IReadOnlyList<(BenchmarkCell Cell, DqnConfig Config)> configs, CancellationToken cancellation)
    {
        int trained = 0, skipped = 0;
        foreach (var (cell, config) in configs)
        {
            var cellDirectory = Path.Combine(folder, cell.FolderName);
            var resultPath = Path.Combine(cellDirectory, CellResult.FileName);
            if (File.Exists(resultPath))
            {
                skipped++;
                output.WriteLine($"cell {cell.Index} ({cell.EnvId} seed {cell.Seed}): already done, skipped");
                continue;
            }
            if (cancellation.IsCancellationRequested)
            {
                return new ShardOutcome(trained, skipped, Cancelled: true);
            }

            var runDirectory = Path.Combine(cellDirectory, RunFolderName);
            if (Directory.Exists(runDirectory))
            {
                // Locked first: a run another shard is still training fails here (exit 1, naming its process) instead of being deleted.
                using (RunLock.Acquire(runDirectory))
                {
                    output.WriteLine($"cell {cell.Index} ({cell.EnvId} seed {cell.Seed}): removing the unfinished run of an earlier attempt");
                    Directory.Delete(runDirectory, recursive: true);
                }
            }
            Directory.CreateDirectory(cellDirectory);
            config.RunsDir = cellDirectory;

            var outcome = training.Run(config, RunFolderName, cancellation);
            if (outcome.Result.Cancelled)
            {
                return new ShardOutcome(trained, skipped, Cancelled: true);
            }

            var result = new CellResult(cell.EnvId, cell.Seed, outcome.Result.Steps, outcome.RecentMeanReturn ?? double.NaN,
                outcome.Episodes.Count, outcome.Result.StepsPerSecond, outcome.Result.WallTimeSeconds,
                BuildInfo.Version, BuildInfo.Commit, BuildInfo.Host);
            result.Write(resultPath);
            trained++;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cell {cell.Index} ({cell.EnvId} seed {cell.Seed}): last-{Output.Benchmark.LastEpisodes} mean return {result.LastEpisodesMeanReturn:F2} at {result.StepsPerSecond:N0} steps/s"));
        }
        return new ShardOutcome(trained, skipped, Cancelled: false);
    }
}
