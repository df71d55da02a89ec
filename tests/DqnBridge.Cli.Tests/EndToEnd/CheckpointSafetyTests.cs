using static TorchSharp.torch;

namespace DqnBridge.Cli.Tests;

/// <summary>Checkpoints a crash left half-swapped, evaluate's checks, episodes.csv's format and step counting, on the real trainer.</summary>
[TestClass]
public sealed class CheckpointSafetyTests : TempRunsFolderTestBase
{
    private string[] ShortRun(string runName, long steps = 1500) => [.. Corridor.ShortRun(steps), "tensorboard=false", RunsDir, "--run-name", runName];

    private string Train(string runName, long steps = 1500)
    {
        var run = CliRun.Invoke(Corridor.Backend(), ShortRun(runName, steps));
        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        return Path.Combine(Runs, runName);
    }

    /// <summary>A run stopped part way (as by Ctrl+C) after <paramref name="episodes"/> episodes: a finished run would not be resumed.</summary>
    private string Interrupted(string runName, int episodes, long steps = 1500)
    {
        var run = Path.Combine(Runs, runName);
        Corridor.TrainAndStopAfter(episodes, run, steps, "tensorboard=false", RunsDir);
        return run;
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("checkpoints/latest")]
    public void ACrashBetweenTheRenamesLeavesLatestOldThatResumeAndEvaluateUse(string target)
    {
        var run = Interrupted("crashed", episodes: 10);
        var checkpoints = Path.Combine(run, "checkpoints");
        Directory.Move(Path.Combine(checkpoints, "latest"), Path.Combine(checkpoints, "latest.old"));
        // An unfinished temporary of a later save (no manifest yet), as a crash mid-write leaves it.
        var stale = Directory.CreateDirectory(Path.Combine(checkpoints, "latest.tmp-99999")).FullName;
        File.WriteAllText(Path.Combine(stale, "replay.bin"), "half written");

        var evaluate = CliRun.Invoke(Corridor.Backend(), "evaluate", run, "-n", "2");
        Assert.AreEqual(ExitCodes.Ok, evaluate.ExitCode, evaluate.All);
        StringAssert.Contains(evaluate.Output, "latest.old");
        StringAssert.Contains(evaluate.Output, "the newest complete one");

        var resume = CliRun.Invoke(Corridor.Backend(), "resume", Path.Combine(run, target));
        Assert.AreEqual(ExitCodes.Ok, resume.ExitCode, $"{target}: {resume.All}");
        Assert.IsTrue(File.Exists(Path.Combine(checkpoints, "latest", Checkpoint.ManifestFile)), "the resumed run saves latest again");
        Assert.IsFalse(Directory.Exists(stale), "the stale temporary was removed");
    }

    [TestMethod]
    public void ACompleteTemporaryNewerThanLatestIsUsedAndThenRemoved()
    {
        var run = Interrupted("tmp", episodes: 40, steps: 3000);
        var checkpoints = Path.Combine(run, "checkpoints");
        var older = Interrupted("older", episodes: 5, steps: 3000);
        long newerStep = Checkpoint.Load(Path.Combine(checkpoints, "latest")).State.NextStep;
        Assert.IsLessThan(newerStep, Checkpoint.Load(Path.Combine(older, "checkpoints", "latest")).State.NextStep);
        // latest is an older checkpoint, latest.tmp-4242 a complete newer one: a crash after the temporary's manifest,
        // before the renames.
        Directory.Move(Path.Combine(checkpoints, "latest"), Path.Combine(checkpoints, "latest.tmp-4242"));
        Directory.Move(Path.Combine(older, "checkpoints", "latest"), Path.Combine(checkpoints, "latest"));

        var resume = CliRun.Invoke(Corridor.Backend(), "resume", run);

        Assert.AreEqual(ExitCodes.Ok, resume.ExitCode, resume.All);
        StringAssert.Contains(resume.Output, $"latest.tmp-4242' (step {newerStep.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)})");
        Assert.AreEqual(3000L, Checkpoint.Load(Path.Combine(checkpoints, "latest")).State.NextStep, "resumed from the newer one to the end");
        CollectionAssert.AreEqual(new[] { "latest" }, Directory.GetDirectories(checkpoints).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void ResumeWarnsWhenEpisodesCsvLacksEpisodesAndKeepsOneLineEnding()
    {
        var runDirectory = Path.Combine(Runs, "cut");
        Corridor.TrainAndStopAfter(40, runDirectory, 3000, "tensorboard=false", RunsDir);
        var csv = Path.Combine(runDirectory, "episodes.csv");
        var lines = File.ReadAllLines(csv);
        File.WriteAllText(csv, string.Concat(lines.Take(31).Select(line => line + "\r\n")));

        var resume = CliRun.Invoke(Corridor.Backend(), "resume", runDirectory);

        Assert.AreEqual(ExitCodes.Ok, resume.ExitCode, resume.All);
        StringAssert.Contains(resume.Output, $"lists 30 episodes but the checkpoint counts {lines.Length - 1}: episodes 31 to {lines.Length - 1}");
        var text = File.ReadAllText(csv);
        Assert.DoesNotContain("\r", text, "one line ending (LF) throughout");
        var episodes = TrainingRun.ReadEpisodes(csv);
        Assert.AreEqual(lines.Length, episodes.Skip(30).First().Episode, "the resumed run continues the checkpoint's numbering");
    }

    [TestMethod]
    public void ResumeOfAnEmptiedEpisodesCsvWritesItsHeaderAgain()
    {
        var runDirectory = Path.Combine(Runs, "emptied");
        Corridor.TrainAndStopAfter(40, runDirectory, 3000, "tensorboard=false", RunsDir);
        var csv = Path.Combine(runDirectory, "episodes.csv");
        File.WriteAllText(csv, "");

        var resume = CliRun.Invoke(Corridor.Backend(), "resume", runDirectory);

        Assert.AreEqual(ExitCodes.Ok, resume.ExitCode, resume.All);
        StringAssert.Contains(resume.Output, "lists 0 episodes but the checkpoint counts");
        StringAssert.StartsWith(File.ReadAllText(csv), "global_step,episode,return,length,epsilon,wall_time\n");
        Assert.IsGreaterThan(40L, TrainingRun.ReadEpisodes(csv).First().Episode, "the rows after the checkpoint follow");
    }

    [TestMethod]
    public void EvaluateRefusesACheckpointThatDoesNotFitTheEnvironment()
    {
        var run = Train("fit");

        var wrongActions = CliRun.Invoke(Corridor.Backend(() => new ReshapedCorridor(actions: 3)), "evaluate", run);
        Assert.AreEqual(ExitCodes.RuntimeError, wrongActions.ExitCode, wrongActions.All);
        StringAssert.Contains(wrongActions.Error, "2 actions");
        StringAssert.Contains(wrongActions.Error, "Discrete(3)");

        var wrongShape = CliRun.Invoke(Corridor.Backend(() => new ReshapedCorridor(observationLength: 7)), "evaluate", run);
        Assert.AreEqual(ExitCodes.RuntimeError, wrongShape.ExitCode, wrongShape.All);
        StringAssert.Contains(wrongShape.Error, "Box(shape=(7)");
        foreach (var refused in new[] { wrongActions, wrongShape })
        {
            Assert.IsFalse(refused.HasStackTrace, refused.All);
            Assert.IsFalse(File.Exists(Path.Combine(run, "eval_returns.csv")), "nothing evaluated");
        }
    }

    [TestMethod]
    public void EvaluateRefusesNonFiniteWeights()
    {
        var config = Config.ConfigLoader.Resolve(null, ["hidden_sizes=[8]", "batch_size=4", "buffer_size=8"], "Corridor-v0");
        var space = BoxSpace.Uniform([CorridorEnv.Length], ElementType.Float32, 0, 1);
        var directory = Path.Combine(Runs, "diverged", "checkpoints", "latest");
        using (var network = QNetwork.Create(config, space, 2))
        {
            using (no_grad())
            {
                network.parameters().First().fill_(double.NaN);
            }

            var state = new TrainerState { EnvId = "Corridor-v0", NumEnvs = 1, ObservationShape = [CorridorEnv.Length], ObservationType = ElementType.Float32, ActionCount = 2 };
            CheckpointFolder.Save(directory, config, state, folder =>
            {
                network.save(Path.Combine(folder, Checkpoint.QNetworkFile));
                network.save(Path.Combine(folder, Checkpoint.TargetNetworkFile));
                File.WriteAllText(Path.Combine(folder, Checkpoint.OptimizerFile), "");
                File.WriteAllText(Path.Combine(folder, Checkpoint.ReplayFile), "");
            });
        }

        var run = CliRun.Invoke(Corridor.Backend(), "evaluate", directory);

        Assert.AreEqual(ExitCodes.RuntimeError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "NaN or infinite weights");
        Assert.DoesNotContain("mean return", run.Output);
    }

    [TestMethod]
    public void TotalTimestepsCountsVectorStepsAsCleanRl()
    {
        CorridorVectorEnv? made = null;
        var run = CliRun.Invoke(Corridor.Backend(made: envs => made = envs), [.. ShortRun("vector", 600), "num_envs=3"]);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        Assert.AreEqual(600L, made!.VectorSteps, "total_timesteps steps of the vector env, each advancing all 3 environments");
        var episodes = TrainingRun.ReadEpisodes(Path.Combine(Runs, "vector", "episodes.csv"));
        Assert.IsGreaterThan(600, episodes.Sum(e => e.Length), "more environment steps than vector steps");
        Assert.IsLessThanOrEqualTo(599L, episodes.Max(e => e.GlobalStep));
    }

    /// <summary>The corridor with another action count or observation length, as a mismatched environment would be.</summary>
    private sealed class ReshapedCorridor(int actions = 2, int observationLength = CorridorEnv.Length) : IEnv
    {
        private readonly CorridorEnv _inner = new();

        public string Id => _inner.Id;
        public BoxSpace ObservationSpace { get; } = BoxSpace.Uniform([observationLength], ElementType.Float32, 0, 1);
        public Space ActionSpace { get; } = new DiscreteSpace(actions);
        public int? MaxEpisodeSteps => _inner.MaxEpisodeSteps;
        public void Reset(Span<byte> observation, int? seed = null) => _inner.Reset(observation[..(CorridorEnv.Length * 4)], seed);
        public StepResult Step(int action, Span<byte> observation) => _inner.Step(Math.Min(action, 1), observation[..(CorridorEnv.Length * 4)]);
        public RgbFrame Render() => _inner.Render();
        public void Dispose() => _inner.Dispose();
    }
}
