using DqnBridge.Cli.Benchmarking;

namespace DqnBridge.Cli.Tests;

[TestClass]
public sealed class BenchmarkShardingTests : TempRunsFolderTestBase
{
    private static readonly string[] Grid = ["--envs", "CartPole-v1", "Acrobot-v1", "--seeds", "1", "2", "3"];

    private string[] Benchmark(string folder, params string[] extra) => ["benchmark", .. Grid, "-o", folder, .. extra, "total_timesteps=2000", RunsDir];

    [TestMethod]
    public void ShardKOfNTakesEveryNthCellInGridOrder()
    {
        var grid = new BenchmarkGrid(["A-v0", "B-v0"], [1, 2, 3]);
        CollectionAssert.AreEqual(new[] { "A-v0 1", "A-v0 2", "A-v0 3", "B-v0 1", "B-v0 2", "B-v0 3" }, grid.Cells.Select(c => $"{c.EnvId} {c.Seed}").ToArray());
        CollectionAssert.AreEqual(new[] { 2, 6 }, Shard.Parse("2/4").Select(grid).Select(c => c.Index).ToArray());
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4, 5, 6 }, Shard.Whole.Select(grid).Select(c => c.Index).ToArray());

        foreach (var n in new[] { 1, 2, 4, 6, 9 })
        {
            var union = Enumerable.Range(1, n).SelectMany(k => new Shard(k, n).Select(grid)).Select(c => c.Index).OrderBy(i => i).ToArray();
            CollectionAssert.AreEqual(Enumerable.Range(1, 6).ToArray(), union, $"the {n} shards cover every cell once");
        }
        foreach (var bad in new[] { "0/2", "3/2", "1", "a/b", "1/0" })
        {
            Assert.AreEqual(ExitCodes.UsageError, Assert.ThrowsExactly<CliException>(() => Shard.Parse(bad)).ExitCode, bad);
        }
    }

    [TestMethod]
    public void ShardsThenMergeGiveTheUnshardedResults()
    {
        var whole = Path.Combine(Runs, "whole");
        Assert.AreEqual(ExitCodes.Ok, CliRun.Invoke(new FakeBackend(), Benchmark(whole)).ExitCode);

        var sharded = Path.Combine(Runs, "sharded");
        var trained = new List<int>();
        for (var k = 1; k <= 4; k++)
        {
            var backend = new FakeBackend();
            var shard = CliRun.Invoke(backend, Benchmark(sharded, "--shard", $"{k}/4"));
            Assert.AreEqual(ExitCodes.Ok, shard.ExitCode, shard.All);
            StringAssert.Contains(shard.Output, $"benchmark merge {sharded}");
            Assert.IsFalse(File.Exists(Path.Combine(sharded, BenchmarkMerge.ResultsCsv)), "a shard does not merge");
            trained.AddRange(backend.TrainedConfigs.Select(c => c.Seed));
        }
        Assert.HasCount(6, trained, "every cell trained exactly once over the shards");

        var merge = CliRun.Invoke(new FakeBackend(), "benchmark", "merge", sharded);

        Assert.AreEqual(ExitCodes.Ok, merge.ExitCode, merge.All);
        CollectionAssert.AreEqual(ResultsWithoutMachineColumns(Path.Combine(whole, "results.csv")), ResultsWithoutMachineColumns(Path.Combine(sharded, "results.csv")));
        Assert.AreEqual(File.ReadAllText(Path.Combine(whole, "results.md")), File.ReadAllText(Path.Combine(sharded, "results.md")), "the statistics do not depend on steps/s, so the tables are the same");
    }

    [TestMethod]
    public void AnInterruptedShardResubmittedRunsOnlyItsMissingCells()
    {
        var folder = Path.Combine(Runs, "bench");
        // The second cell is interrupted half way (as a preempted job would be): the first has its result, the second a run without one.
        var interrupted = CliRun.Invoke(new InterruptCall(new FakeBackend(), call: 2), Benchmark(folder));
        Assert.AreEqual(ExitCodes.Cancelled, interrupted.ExitCode, interrupted.All);
        Assert.IsTrue(File.Exists(Path.Combine(folder, "CartPole-v1__seed_1", CellResult.FileName)));
        Assert.IsFalse(File.Exists(Path.Combine(folder, "CartPole-v1__seed_2", CellResult.FileName)));
        Assert.IsTrue(Directory.Exists(Path.Combine(folder, "CartPole-v1__seed_2", ShardRunner.RunFolderName)), "the unfinished run is left");
        var firstResult = File.ReadAllText(Path.Combine(folder, "CartPole-v1__seed_1", CellResult.FileName));

        var missing = CliRun.Invoke(new FakeBackend(), "benchmark", "merge", folder);
        Assert.AreEqual(ExitCodes.RuntimeError, missing.ExitCode);
        StringAssert.Contains(missing.Error, "5 of the benchmark's cells have no result yet");
        StringAssert.Contains(missing.Error, "CartPole-v1__seed_2");
        StringAssert.Contains(missing.Output, "Incomplete: 5 cell(s) missing");
        Assert.AreEqual(ExitCodes.Ok, CliRun.Invoke(new FakeBackend(), "benchmark", "merge", folder, "--allow-missing").ExitCode);

        var backend = new FakeBackend();
        var resubmitted = CliRun.Invoke(backend, Benchmark(folder));

        Assert.AreEqual(ExitCodes.Ok, resubmitted.ExitCode, resubmitted.All);
        CollectionAssert.AreEqual(new[] { "CartPole-v1 2", "CartPole-v1 3", "Acrobot-v1 1", "Acrobot-v1 2", "Acrobot-v1 3" },
            backend.TrainedConfigs.Select(c => $"{c.EnvId} {c.Seed}").ToArray(), "only the missing cells train");
        StringAssert.Contains(resubmitted.Output, "cell 1 (CartPole-v1 seed 1): already done, skipped");
        StringAssert.Contains(resubmitted.Output, "removing the unfinished run of an earlier attempt");
        Assert.AreEqual(firstResult, File.ReadAllText(Path.Combine(folder, "CartPole-v1__seed_1", CellResult.FileName)));

        var whole = Path.Combine(Runs, "whole");
        Assert.AreEqual(ExitCodes.Ok, CliRun.Invoke(new FakeBackend(), Benchmark(whole)).ExitCode);
        CollectionAssert.AreEqual(ResultsWithoutMachineColumns(Path.Combine(whole, "results.csv")), ResultsWithoutMachineColumns(Path.Combine(folder, "results.csv")));
    }

    [TestMethod]
    public void ShardsOfAnotherGridAndShardsWithoutAFolderAreStopped()
    {
        var folder = Path.Combine(Runs, "bench");
        Assert.AreEqual(ExitCodes.Ok, CliRun.Invoke(new FakeBackend(), Benchmark(folder, "--shard", "1/3")).ExitCode);

        var backend = new FakeBackend();
        var other = CliRun.Invoke(backend, "benchmark", "--envs", "CartPole-v1", "--seeds", "1", "2", "-o", folder, "--shard", "2/3", "total_timesteps=2000");
        Assert.AreEqual(ExitCodes.UsageError, other.ExitCode);
        StringAssert.Contains(other.Error, "holds another benchmark");
        Assert.IsEmpty(backend.TrainedConfigs);

        var noFolder = CliRun.Invoke(new FakeBackend(), "benchmark", "--shard", "1/2", "total_timesteps=2000");
        Assert.AreEqual(ExitCodes.UsageError, noFolder.ExitCode);
        StringAssert.Contains(noFolder.Error, "--shard needs -o FOLDER");

        var notABenchmark = CliRun.Invoke(new FakeBackend(), "benchmark", "merge", Runs);
        Assert.AreEqual(ExitCodes.RuntimeError, notABenchmark.ExitCode);
        StringAssert.Contains(notABenchmark.Error, "has no benchmark.json");
        Assert.IsFalse(notABenchmark.HasStackTrace, notABenchmark.All);
    }

    [TestMethod]
    public void BaselineFilesAreReadAndCheckedAndTheBundledOneIsCleanRls()
    {
        var cleanRl = Baseline.CleanRl();
        Assert.HasCount(30, cleanRl.For("CartPole-v1"));
        Assert.AreEqual(487.59166666666658, SeedStatistics.Mean(cleanRl.For("CartPole-v1")), 1e-9);
        CollectionAssert.AreEqual(new[] { -86.66, -86.72, -91.62 }, cleanRl.For("Acrobot-v1").ToArray());
        CollectionAssert.AreEqual(new[] { -200.0, -200.0, -199.04 }, cleanRl.For("MountainCar-v0").ToArray());

        var mine = Path.Combine(Runs, "mine.csv");
        File.WriteAllText(mine, "# comment\nseed,env_id,return\n1,CartPole-v1,50\n2,CartPole-v1,\"60.5\"\n");
        CollectionAssert.AreEqual(new[] { 50.0, 60.5 }, Baseline.Load(mine).For("CartPole-v1").ToArray());

        File.WriteAllText(mine, "env_id,seed,return\nCartPole-v1,1,fifty\n");
        var bad = Assert.ThrowsExactly<CliException>(() => Baseline.Load(mine));
        StringAssert.Contains(bad.Message, "line 2");
        File.WriteAllText(mine, "env,seed,return\n");
        StringAssert.Contains(Assert.ThrowsExactly<CliException>(() => Baseline.Load(mine)).Message, "env_id, seed and return");

        var folder = Path.Combine(Runs, "bench");
        File.WriteAllText(mine, "env_id,seed,return\nCartPole-v1,1,1000\nCartPole-v1,2,1001\nCartPole-v1,3,1002\n");
        var run = CliRun.Invoke(new FakeBackend(), Benchmark(folder, "--baseline", mine));
        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "Against mine.csv");
        StringAssert.Contains(run.Output, "| worse |");
        StringAssert.Contains(run.Output, "| Acrobot-v1 |", "an environment the baseline lacks is shown without a comparison");
    }

    /// <summary>
    /// The real thing: shards as separate dqnbridge processes training built-in CartPole-v1, one of them killed after its
    /// first cell and started again, then merged, give the per-cell results of the unsharded command.
    /// </summary>
    [TestMethod]
    public void ProcessesShardedKilledAndResubmittedGiveTheUnshardedResults()
    {
        string[] grid = ["--envs", "CartPole-v1", "--seeds", "1", "2", "3"];
        string[] tiny = ["total_timesteps=2000", "learning_starts=500", "backend=native", "tensorboard=false", "checkpoint_frequency=0", RunsDir];
        var whole = Path.Combine(Runs, "whole");
        var sharded = Path.Combine(Runs, "sharded");

        Assert.AreEqual(0, Dqnbridge(["benchmark", .. grid, "-o", whole, .. tiny]).ExitCode);

        // Shard 1/2 owns cells 1 and 3: kill it once cell 1 has its result, while cell 3 may be training.
        using (var first = CliProcess.Start(CliProcess.WithoutPython, ["benchmark", .. grid, "-o", sharded, "--shard", "1/2", .. tiny]))
        {
            first.WaitUntil(() => first.Output.Contains("\ncell 1 (CartPole-v1 seed 1): last-100", StringComparison.Ordinal), TimeSpan.FromMinutes(10),
                "the result of shard 1/2's first cell");
            first.Kill();
        }
        // Cell 3 may or may not have ended before the kill landed; whatever has a result must be kept, the rest trained.
        var kept = new[] { 1, 3 }.Where(seed => File.Exists(Path.Combine(sharded, $"CartPole-v1__seed_{seed}", CellResult.FileName)))
            .ToDictionary(seed => seed, seed => File.ReadAllText(Path.Combine(sharded, $"CartPole-v1__seed_{seed}", CellResult.FileName)));
        Assert.IsTrue(kept.ContainsKey(1));

        var shard2 = Dqnbridge(["benchmark", .. grid, "-o", sharded, "--shard", "2/2", .. tiny]);
        Assert.AreEqual(0, shard2.ExitCode, shard2.Output);
        if (!kept.ContainsKey(3))
        {
            var early = Dqnbridge(["benchmark", "merge", sharded]);
            Assert.AreEqual(1, early.ExitCode, "cell 3 is still missing");
            StringAssert.Contains(early.Error, "CartPole-v1__seed_3");
        }

        var again = Dqnbridge(["benchmark", .. grid, "-o", sharded, "--shard", "1/2", .. tiny]);
        Assert.AreEqual(0, again.ExitCode, again.Output);
        StringAssert.Contains(again.Output, "cell 1 (CartPole-v1 seed 1): already done, skipped");
        StringAssert.Contains(again.Output, $"Shard 1/2: {2 - kept.Count} cell(s) trained, {kept.Count} already done.");
        foreach (var (seed, result) in kept)
        {
            Assert.AreEqual(result, File.ReadAllText(Path.Combine(sharded, $"CartPole-v1__seed_{seed}", CellResult.FileName)));
        }

        var merge = Dqnbridge(["benchmark", "merge", sharded]);
        Assert.AreEqual(0, merge.ExitCode, merge.Output + merge.Error);
        CollectionAssert.AreEqual(ResultsWithoutMachineColumns(Path.Combine(whole, "results.csv")), ResultsWithoutMachineColumns(Path.Combine(sharded, "results.csv")));
        foreach (var seed in new[] { 1, 2, 3 })
        {
            // Every episode of every cell is the same, but for its wall time (the last column).
            static List<string> Episodes(string folder, int seed) =>
                EpisodesWithoutWallTime(Path.Combine(folder, $"CartPole-v1__seed_{seed}", "run", "episodes.csv"));
            CollectionAssert.AreEqual(Episodes(whole, seed), Episodes(sharded, seed), $"seed {seed}");
        }
        var row = Csv.ParseLine(File.ReadAllLines(Path.Combine(sharded, "results.csv"))[1]);
        Assert.AreEqual(BuildInfo.Version, row[7]);
        StringAssert.Matches(row[8], new System.Text.RegularExpressions.Regex("^([0-9a-f]{40}|unknown)$"), "the git commit of the build, or unknown outside a checkout");
        Assert.AreEqual(Environment.MachineName, row[9]);
    }

    /// <summary>
    /// A shard stopped in the middle of a cell, by SIGTERM (what Slurm's scancel and time limit send: it writes a
    /// checkpoint) or by SIGKILL (a node failure: the last periodic checkpoint is left); the same command again resumes
    /// that cell from its checkpoint, and every episode comes out as in the uninterrupted benchmark.
    /// </summary>
    [TestMethod]
    [DataRow("TERM")]
    [DataRow("KILL")]
    public void ACellStoppedHalfWayResumesFromItsCheckpointAndEndsAsAnUninterruptedOne(string signal)
    {
        string[] command = ["benchmark", "--envs", "CartPole-v1", "--seeds", "1", "2", "total_timesteps=10000", "learning_starts=1000",
            "train_frequency=2", "checkpoint_frequency=2000", "backend=native", "tensorboard=false", RunsDir];
        var stopped = Path.Combine(Runs, "stopped");
        var whole = Path.Combine(Runs, "whole");
        var checkpoint = Path.Combine(stopped, "CartPole-v1__seed_1", ShardRunner.RunFolderName, "checkpoints", "latest");

        using (var first = CliProcess.Start(CliProcess.WithoutPython, [.. command, "-o", stopped]))
        {
            first.WaitUntil(() => Directory.Exists(checkpoint), TimeSpan.FromMinutes(5), "the first periodic checkpoint of cell 1");
            first.Signal(signal);
            var stop = first.WaitForExit(TimeSpan.FromMinutes(5));
            if (signal == "TERM")
            {
                Assert.AreEqual(ExitCodes.Terminated, stop.ExitCode, stop.All);
                StringAssert.Contains(stop.Error, "an interrupted one resumes from its checkpoint");
            }
        }
        Assert.IsFalse(File.Exists(Path.Combine(stopped, "CartPole-v1__seed_1", CellResult.FileName)), "stopped before the end of cell 1");

        var again = Dqnbridge([.. command, "-o", stopped]);

        Assert.AreEqual(ExitCodes.Ok, again.ExitCode, again.All);
        StringAssert.Contains(again.Output, "cell 1 (CartPole-v1 seed 1): resuming the interrupted run from its checkpoint");
        StringAssert.Contains(again.Output, "Shard 1/1: 1 cell(s) trained, 0 already done, 1 resumed from a checkpoint.");
        Assert.AreEqual(ExitCodes.Ok, Dqnbridge([.. command, "-o", whole]).ExitCode);
        CollectionAssert.AreEqual(ResultsWithoutMachineColumns(Path.Combine(whole, "results.csv")), ResultsWithoutMachineColumns(Path.Combine(stopped, "results.csv")));
        foreach (var seed in new[] { 1, 2 })
        {
            static List<string> Episodes(string folder, int seed) =>
                EpisodesWithoutWallTime(Path.Combine(folder, $"CartPole-v1__seed_{seed}", ShardRunner.RunFolderName, "episodes.csv"));
            CollectionAssert.AreEqual(Episodes(whole, seed), Episodes(stopped, seed), $"seed {seed}");
        }
    }

    [TestMethod]
    public void ACellAnotherProcessIsTrainingIsLeftToItAndTheShardSaysSo()
    {
        var folder = Path.Combine(Runs, "bench");
        var busyCell = Path.Combine(folder, "CartPole-v1__seed_2");
        Directory.CreateDirectory(busyCell);
        var backend = new FakeBackend();
        CliOutput run;
        using (RunLock.Acquire(busyCell))
        {
            run = CliRun.Invoke(backend, Benchmark(folder));
        }

        Assert.AreEqual(ExitCodes.RuntimeError, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, $"cell 2 (CartPole-v1 seed 2): process {Environment.ProcessId} on ");
        StringAssert.Contains(run.Error, "1 cell(s) of shard 1/1 are being trained by another process");
        StringAssert.Contains(run.Error, "CartPole-v1__seed_2");
        Assert.HasCount(5, backend.TrainedConfigs, "the shard's other cells are trained");
        Assert.IsFalse(File.Exists(Path.Combine(folder, BenchmarkMerge.ResultsCsv)), "no merge while a cell is missing");
    }

    private static CliOutput Dqnbridge(string[] args) => CliProcess.Run(CliProcess.WithoutPython, args);

    /// <summary>Cancels the <paramref name="call"/>-th training half way through, as a Ctrl+C or SIGTERM would.</summary>
    private sealed class InterruptCall(ITrainingBackend inner, int call) : ITrainingBackend
    {
        private int _calls;

        public IReadOnlyList<BackendStatus> Backends(string python) => inner.Backends(python);

        public IReadOnlyList<EnvironmentListing> ListEnvironments(string python) => inner.ListEnvironments(python);

        public TrainingSummary Train(DqnConfig config, string runDirectory, TrainingEvents events, CancellationToken cancellation)
        {
            if (++_calls != call)
            {
                return inner.Train(config, runDirectory, events, cancellation);
            }

            using var interrupt = new CancellationTokenSource();
            return inner.Train(config, runDirectory, events with
            {
                OnProgress = p =>
                {
                    events.OnProgress(p);
                    if (p.GlobalStep >= config.TotalTimesteps / 2)
                    {
                        interrupt.Cancel();
                    }
                },
            }, interrupt.Token);
        }

        public TrainingSummary Resume(string checkpointDirectory, TrainingEvents events, CancellationToken cancellation) =>
            inner.Resume(checkpointDirectory, events, cancellation);

        public EvaluationResult Evaluate(EvaluationRequest request, Action<RgbFrame>? onFrame, CancellationToken cancellation) =>
            inner.Evaluate(request, onFrame, cancellation);
    }
}
