using DqnBridge.Cli.Benchmarking;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// `benchmark --slurm` on a real Slurm (the one-node cluster of tools/local-slurm; ./test.sh starts it and sets
/// DQNBRIDGE_SLURM=1, otherwise these tests are inconclusive): a 2 x 2 grid of built-in environments in 2 shards
/// gives, cell for cell, the results of the same grid run here with `benchmark`; cancelled with scancel half way and
/// submitted again, it still does, every interrupted cell resumed from its checkpoint.
/// </summary>
[TestClass]
public sealed class SlurmTests : TempRunsFolderTestBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
    private static readonly string[] Grid = ["--envs", "CartPole-v1", "Acrobot-v1", "--seeds", "1", "2"];

    /// <summary>A few seconds per cell on a busy 2-core machine: long enough for scancel to land after a cell's first checkpoint.</summary>
    private static readonly string[] Settings =
        ["backend=native", "total_timesteps=10000", "learning_starts=1000", "train_frequency=2", "checkpoint_frequency=2000", "tensorboard=false"];

    private static string? s_local;
    private readonly List<string> _submitted = [];

    [TestInitialize]
    public void RequireSlurm() => SlurmCluster.Require();

    /// <summary>A failed test leaves no job behind to write into a deleted folder.</summary>
    [TestCleanup]
    public void CancelLeftoverJobs()
    {
        foreach (var job in _submitted)
        {
            SlurmCluster.Run("scancel", job);
        }
    }

    [ClassCleanup]
    public static void RemoveLocalGrid()
    {
        if (s_local is not null)
        {
            Directory.Delete(Path.GetDirectoryName(s_local)!, recursive: true);
        }
    }

    /// <summary>The grid run here by one `benchmark` process, once for the class: the reference every Slurm run must equal.</summary>
    private static string LocalGrid()
    {
        if (s_local is not null)
        {
            return s_local;
        }

        var folder = Path.Combine(Directory.CreateTempSubdirectory("dqnbridge-SlurmTests-local-").FullName, "local");
        var run = CliProcess.Run(CliProcess.WithoutPython, ["benchmark", .. Grid, "-o", folder, .. Settings]);
        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        return s_local = folder;
    }

    private (string Shards, string Merge) Submit(string folder, params string[] extra)
    {
        var submit = CliProcess.Run(CliProcess.WithoutPython, ["benchmark", .. Grid, "-o", folder, "--slurm", "--shards", "2", .. extra, .. Settings]);
        Assert.AreEqual(ExitCodes.Ok, submit.ExitCode, submit.All);
        var jobs = SlurmCluster.SubmittedJobs(submit.Output);
        _submitted.AddRange([jobs.Shards, jobs.Merge]);
        StringAssert.Contains(submit.Output, $"squeue -j {jobs.Shards},{jobs.Merge}");
        return jobs;
    }

    private static string Log(string folder, string name) => File.ReadAllText(Path.Combine(folder, "slurm", "logs", name));

    /// <summary>The logs of the array's tasks that started (a task cancelled while pending writes none).</summary>
    private static string ShardLogs(string folder, string arrayJob) =>
        string.Join("\n", Directory.GetFiles(Path.Combine(folder, "slurm", "logs"), $"shard-{arrayJob}_*.out").Order().Select(File.ReadAllText));

    private static void AssertSameResultsAsLocal(string folder)
    {
        var local = LocalGrid();
        CollectionAssert.AreEqual(ResultsWithoutMachineColumns(Path.Combine(local, BenchmarkMerge.ResultsCsv)),
            ResultsWithoutMachineColumns(Path.Combine(folder, BenchmarkMerge.ResultsCsv)));
        foreach (var cell in new BenchmarkGrid(["CartPole-v1", "Acrobot-v1"], [1, 2]).Cells)
        {
            List<string> Episodes(string benchmark) =>
                EpisodesWithoutWallTime(Path.Combine(benchmark, cell.FolderName, ShardRunner.RunFolderName, TrainingRun.EpisodesFile));
            CollectionAssert.AreEqual(Episodes(local), Episodes(folder), $"every episode of {cell.FolderName}");
        }
    }

    [TestMethod]
    public void AGridSubmittedToSlurmGivesTheResultsOfTheLocalRun()
    {
        var folder = Path.Combine(Runs, "on slurm"); // a space, which the #SBATCH lines and the exec line must quote
        var (shards, merge) = Submit(folder, "--slurm-arg=--time=00:10:00");

        SlurmCluster.WaitUntilEnded(Timeout, shards, merge);

        var shardStates = SlurmCluster.States(shards);
        CollectionAssert.AreEqual(new[] { "COMPLETED", "COMPLETED" }, shardStates.ToArray(), Log(folder, $"shard-{shards}_1.out") + Log(folder, $"shard-{shards}_2.out"));
        CollectionAssert.AreEqual(new[] { "COMPLETED" }, SlurmCluster.States(merge).ToArray(), Log(folder, $"merge-{merge}.out"));
        StringAssert.Contains(SlurmCluster.Run("scontrol", "show", "job", shards), "TimeLimit=00:10:00", "the --slurm-arg reached sbatch");
        for (var k = 1; k <= 2; k++)
        {
            StringAssert.Contains(Log(folder, $"shard-{shards}_{k}.out"), $"Shard {k}/2: 2 cell(s) trained, 0 already done.");
        }

        StringAssert.Contains(Log(folder, $"merge-{merge}.out"), "Results written to");
        AssertSameResultsAsLocal(folder);
    }

    [TestMethod]
    public void CancelledHalfWayAndSubmittedAgainTheGridEndsWithTheSameResults()
    {
        var folder = Path.Combine(Runs, "cancelled");
        var (shards, merge) = Submit(folder);

        // Half way: a cell that has written a checkpoint but no result yet.
        string[] Interrupted() =>
        [
            .. Directory.Exists(folder) ? Directory.GetDirectories(folder, "*__seed_*")
                .Where(cell => Directory.Exists(Path.Combine(cell, ShardRunner.RunFolderName, "checkpoints", "latest")) && !File.Exists(Path.Combine(cell, CellResult.FileName)))
                .Select(Path.GetFileName).OfType<string>() : [],
        ];
        SlurmCluster.WaitUntil(() => Interrupted().Length > 0, Timeout, "a cell with a checkpoint and no result", shards);
        SlurmCluster.Cancel(shards);
        SlurmCluster.WaitUntilEnded(Timeout, shards, merge);

        CollectionAssert.Contains(SlurmCluster.States(shards).ToArray(), "CANCELLED");
        CollectionAssert.AreEqual(new[] { "FAILED" }, SlurmCluster.States(merge).ToArray(), "the merge names the missing cells and fails, rather than writing a partial table silently");
        var missing = Log(folder, $"merge-{merge}.out");
        StringAssert.Contains(missing, "of the benchmark's cells have no result yet");
        var interrupted = Interrupted();
        Assert.IsNotEmpty(interrupted);
        foreach (var cell in interrupted)
        {
            StringAssert.Contains(missing, cell);
        }

        // On a busy machine the second task may still be pending when scancel comes: it then has no log.
        var stopped = ShardLogs(folder, shards);
        StringAssert.Contains(stopped, "Stopping (SIGTERM)", "scancel's SIGTERM reached dqnbridge");

        var (again, mergeAgain) = Submit(folder);
        SlurmCluster.WaitUntilEnded(Timeout, again, mergeAgain);

        var resumedLogs = ShardLogs(folder, again);
        CollectionAssert.AreEqual(new[] { "COMPLETED" }, SlurmCluster.States(mergeAgain).ToArray(), Log(folder, $"merge-{mergeAgain}.out") + resumedLogs);
        foreach (var cell in new BenchmarkGrid(["CartPole-v1", "Acrobot-v1"], [1, 2]).Cells.Where(c => interrupted.Contains(c.FolderName)))
        {
            StringAssert.Contains(resumedLogs, $"cell {cell.Index} ({cell.EnvId} seed {cell.Seed}): resuming the interrupted run from its checkpoint", resumedLogs);
        }

        AssertSameResultsAsLocal(folder);
    }
}
