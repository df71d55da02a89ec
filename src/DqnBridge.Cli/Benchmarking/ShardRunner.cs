using System.Globalization;
using DqnBridge.Agent.Training;
using DqnBridge.Cli.Commands;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>What one shard did; <paramref name="Busy"/> are the cells it left to another process that was training them.</summary>
public sealed record ShardOutcome(int Trained, int Resumed, int Skipped, IReadOnlyList<BenchmarkCell> Busy, bool Cancelled);

/// <summary>
/// Runs a shard's cells into one benchmark folder: each cell trains into FOLDER/&lt;cell&gt;/run/ and then gets its
/// one-row result.csv. A cell that already has a result is skipped and a cell whose run was interrupted after a
/// checkpoint (SIGTERM from a scheduler, a periodic checkpoint before a kill) resumes from it, so a preempted shard
/// can simply be started again and ends as an uninterrupted one would. A run left without any checkpoint is removed
/// and trained again from the start.
/// </summary>
public sealed class ShardRunner(TrainingRun training, TextWriter output)
{
    public const string RunFolderName = "run";

    /// <param name="configs">The resolved config of every cell of the shard, resolved before anything trains.</param>
    public ShardOutcome Run(string folder, Shard shard, IReadOnlyList<(BenchmarkCell Cell, DqnConfig Config)> configs, CancellationToken cancellation)
    {
        int trained = 0, resumed = 0, skipped = 0;
        var busy = new List<BenchmarkCell>();
        foreach (var (cell, config) in configs)
        {
            var name = $"cell {cell.Index} ({cell.EnvId} seed {cell.Seed})";
            var cellDirectory = Path.Combine(folder, cell.FolderName);
            var resultPath = Path.Combine(cellDirectory, CellResult.FileName);
            if (File.Exists(resultPath))
            {
                skipped++;
                output.WriteLine($"{name}: already done, skipped");
                continue;
            }
            if (cancellation.IsCancellationRequested)
            {
                return new ShardOutcome(trained, resumed, skipped, busy, Cancelled: true);
            }

            AtomicFile.CreateFolder(cellDirectory, "benchmark cell");
            // One writer per cell, from the first look at its run to its result: two shards given the same cell (a
            // resubmission while the first job still runs) never train it twice; the second moves on to its next cell.
            using var cellLock = RunLock.TryAcquire(cellDirectory, out var holder);
            if (cellLock is null)
            {
                busy.Add(cell);
                output.WriteLine($"{name}: {holder} is training it, skipped");
                continue;
            }
            if (File.Exists(resultPath))
            {
                skipped++;
                output.WriteLine($"{name}: already done, skipped");
                continue;
            }

            var runDirectory = Path.Combine(cellDirectory, RunFolderName);
            var checkpoint = Path.Combine(runDirectory, "checkpoints", "latest");
            RunOutcome outcome;
            bool resuming = AgentBackend.CheckpointExists(checkpoint);
            if (resuming)
            {
                output.WriteLine($"{name}: resuming the interrupted run from its checkpoint");
                outcome = training.Resume(checkpoint, cancellation);
            }
            else
            {
                if (Directory.Exists(runDirectory))
                {
                    output.WriteLine($"{name}: removing the unfinished run of an earlier attempt (it has no checkpoint to resume from)");
                    Directory.Delete(runDirectory, recursive: true);
                }
                config.RunsDir = cellDirectory;
                outcome = training.Run(config, RunFolderName, cancellation);
            }
            if (outcome.Result.Cancelled)
            {
                return new ShardOutcome(trained, resumed, skipped, busy, Cancelled: true);
            }

            if (resuming)
            {
                resumed++;
            }
            else
            {
                trained++;
            }

            var result = new CellResult(cell.EnvId, cell.Seed, outcome.Result.Steps, outcome.RecentMeanReturn ?? double.NaN,
                outcome.Episodes.Count, outcome.Result.StepsPerSecond, outcome.Result.WallTimeSeconds,
                BuildInfo.Version, BuildInfo.Commit, BuildInfo.Host);
            result.Write(resultPath);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: last-{Output.Benchmark.LastEpisodes} mean return {result.LastEpisodesMeanReturn:F2} at {result.StepsPerSecond:N0} steps/s"));
        }
        return new ShardOutcome(trained, resumed, skipped, busy, Cancelled: false);
    }
}
