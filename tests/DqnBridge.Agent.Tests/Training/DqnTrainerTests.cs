using DqnBridge.Agent.Checkpoints;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Replay;
using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;
using DqnBridge.Envs;
using DqnBridge.Envs.Native;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Training;

/// <summary>The training loop: reproducible runs, exact resumes, cancellation, max_episodes and truncation_as_terminal.</summary>
[TestClass]
public sealed class DqnTrainerTests
{
    public TestContext TestContext { get; set; } = null!;

    private readonly TempFolder _root = new("dqn-agent-tests-");

    [TestCleanup]
    public void DeleteRoot() => _root.Dispose();

    internal static DqnConfig WalkConfig(long steps, long checkpointFrequency = 0, UpdatePath updatePath = UpdatePath.Auto) => new()
    {
        UpdatePath = updatePath,
        EnvId = "Walk-v0",
        Seed = 3,
        NumEnvs = 2,
        TotalTimesteps = steps,
        LearningStarts = 200,
        TrainFrequency = 2,
        TargetNetworkFrequency = 50,
        BufferSize = 500,
        BatchSize = 32,
        LearningRate = 1e-3,
        ExplorationFraction = 0.5,
        HiddenSizes = [16, 16],
        CheckpointFrequency = checkpointFrequency,
        Tensorboard = true,
        LogFrequency = 10,
    };

    internal static string[] CsvRowsWithoutWallTime(string runDirectory) =>
        File.ReadAllLines(Path.Combine(runDirectory, "episodes.csv"))
            .Select(line => line[..line.LastIndexOf(',')])
            .ToArray();

    private static float[] Weights(QNetwork network) =>
        network.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    private (TrainingSummary Summary, float[] Weights, float[] Target) Run(DqnConfig config, string name)
    {
        using var envs = new WalkVectorEnv(config.NumEnvs);
        using var trainer = new DqnTrainer(config, envs, _root[name]);
        var summary = trainer.Train(TestContext.CancellationToken);
        return (summary, Weights(trainer.QNetwork), Weights(trainer.TargetNetwork));
    }

    [TestMethod]
    [DataRow(UpdatePath.Fused)]
    [DataRow(UpdatePath.Reference)]
    public void SameSeedGivesIdenticalEpisodesAndWeights(UpdatePath updatePath)
    {
        var first = Run(WalkConfig(1500, updatePath: updatePath), "a");
        var second = Run(WalkConfig(1500, updatePath: updatePath), "b");
        var rows = CsvRowsWithoutWallTime(_root["a"]);
        Assert.IsGreaterThan(20, rows.Length, "enough episodes to compare");
        CollectionAssert.AreEqual(rows, CsvRowsWithoutWallTime(_root["b"]));
        CollectionAssert.AreEqual(first.Weights, second.Weights);
        CollectionAssert.AreEqual(first.Target, second.Target);
        Assert.AreEqual(1500, first.Summary.Steps);
        Assert.IsFalse(first.Summary.Cancelled);
        Assert.IsTrue(Directory.GetFiles(Path.Combine(_root.Path, "a", "tensorboard")).Any(f => Path.GetFileName(f).StartsWith("events.out.tfevents", StringComparison.Ordinal)));
    }

    [TestMethod]
    [DataRow(UpdatePath.Fused)]
    [DataRow(UpdatePath.Reference)]
    public void ResumedRunEqualsUninterruptedRun(UpdatePath updatePath)
    {
        var whole = Run(WalkConfig(1200, updatePath: updatePath), "whole");

        // The same run, stopped part way (Ctrl+C after 25 episodes writes its checkpoint), then resumed.
        string interrupted = _root["interrupted"];
        long stoppedAt;
        using (var cancel = new CancellationTokenSource())
        using (var envs = new WalkVectorEnv(2))
        using (var trainer = new DqnTrainer(WalkConfig(1200, updatePath: updatePath), envs, interrupted, new CancelAfterEpisodes(cancel, episodes: 25)))
        {
            var summary = trainer.Train(cancel.Token);
            Assert.IsTrue(summary.Cancelled);
            stoppedAt = summary.Steps;
        }
        Assert.IsGreaterThan(200L, stoppedAt, "stopped after training began");
        string checkpoint = Path.Combine(interrupted, "checkpoints", "latest");
        float[] resumedWeights;
        float[] resumedTarget;
        using (var envs = new WalkVectorEnv(2))
        using (var trainer = DqnTrainer.Resume(checkpoint, envs))
        {
            Assert.AreEqual(stoppedAt, trainer.GlobalStep);
            trainer.Train(TestContext.CancellationToken);
            resumedWeights = Weights(trainer.QNetwork);
            resumedTarget = Weights(trainer.TargetNetwork);
        }
        CollectionAssert.AreEqual(CsvRowsWithoutWallTime(_root["whole"]), CsvRowsWithoutWallTime(interrupted));
        CollectionAssert.AreEqual(whole.Weights, resumedWeights);
        CollectionAssert.AreEqual(whole.Target, resumedTarget);
    }

    [TestMethod]
    public void DebugViewsShowWhatTheAgentSawAndLeaveTrainingUnchanged()
    {
        var plain = Run(WalkConfig(1200), "plain");
        var config = WalkConfig(1200);
        config.DebugFrequency = 50;
        var views = new DebugViews();
        float[] weights;
        using (var envs = new WalkVectorEnv(2))
        using (var trainer = new DqnTrainer(config, envs, _root["debug"], views))
        {
            trainer.Train(TestContext.CancellationToken);
            weights = Weights(trainer.QNetwork);
        }

        CollectionAssert.AreEqual(CsvRowsWithoutWallTime(_root["plain"]), CsvRowsWithoutWallTime(_root["debug"]));
        CollectionAssert.AreEqual(plain.Weights, weights);
        CollectionAssert.AreEqual(Enumerable.Range(0, 24).Select(i => 50L * i).ToArray(), views.Views.Select(v => v.GlobalStep).ToArray());
        foreach (var view in views.Views)
        {
            Assert.HasCount(2, view.QValues);
            CollectionAssert.AreEqual(new[] { 2 }, view.ObservationShape);
            Assert.HasCount(8, view.Observation, "one float32 observation of two values");
            if (!view.Explored)
            {
                Assert.AreEqual(view.QValues[1] > view.QValues[0] ? 1 : 0, view.Action, "the greedy action is the argmax");
            }
        }
        Assert.IsTrue(views.Views.Any(v => v.Explored) && views.Views.Any(v => !v.Explored));

        // Resumed part way, the views from there on are the uninterrupted run's.
        string interrupted = _root["interrupted"];
        using (var cancel = new CancellationTokenSource())
        using (var envs = new WalkVectorEnv(2))
        using (var trainer = new DqnTrainer(config, envs, interrupted, new CancelAfterEpisodes(cancel, episodes: 25)))
        {
            trainer.Train(cancel.Token);
        }
        var resumedViews = new DebugViews();
        long resumedAt;
        using (var envs = new WalkVectorEnv(2))
        using (var trainer = DqnTrainer.Resume(Path.Combine(interrupted, "checkpoints", "latest"), envs, resumedViews))
        {
            resumedAt = trainer.GlobalStep;
            trainer.Train(TestContext.CancellationToken);
        }
        var expected = views.Views.Where(v => v.GlobalStep >= resumedAt).ToArray();
        Assert.IsNotEmpty(expected);
        CollectionAssert.AreEqual(expected.Select(v => (v.GlobalStep, v.Action, string.Join(' ', v.QValues), Convert.ToBase64String(v.Observation))).ToArray(),
            resumedViews.Views.Select(v => (v.GlobalStep, v.Action, string.Join(' ', v.QValues), Convert.ToBase64String(v.Observation))).ToArray());
    }

    [TestMethod]
    public void StepsPerSecondAreLoggedFromTheFirstStepsBeforeLearningStarts()
    {
        var config = WalkConfig(300);
        config.LearningStarts = 1000; // no gradient step in this run
        Run(config, "warmup");

        string events = Directory.GetFiles(Path.Combine(_root.Path, "warmup", "tensorboard"), "events.out.tfevents*").Single();
        string text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(events));
        Assert.AreEqual(300 / config.LogFrequency, text.Split("charts/SPS").Length - 1, "one charts/SPS every log_frequency steps");
        Assert.DoesNotContain("losses/td_loss", text, "nothing trained");
    }

    private sealed class DebugViews : ITrainingObserver
    {
        public List<DebugView> Views { get; } = [];

        public void OnEpisode(EpisodeRecord e)
        {
        }

        public void OnProgress(TrainingProgress p)
        {
        }

        public void OnDebugView(DebugView view) => Views.Add(view);
    }

    [TestMethod]
    public void FailedStepWritesTheCheckpointBeforeItAndResumeEqualsUninterruptedRun()
    {
        Run(WalkConfig(1200), "whole");

        // The environment raises at step 700: the trainer saves the 700 steps before it, and says so.
        string failed = _root["failed"];
        using (var envs = new WalkVectorEnv(2) { FailAtStepCall = 700 })
        using (var trainer = new DqnTrainer(WalkConfig(1200), envs, failed))
        {
            var error = Assert.Throws<TrainingFailedException>(() => trainer.Train(TestContext.CancellationToken));
            Assert.AreEqual(700, error.Step);
            Assert.IsInstanceOfType<InvalidOperationException>(error.InnerException);
            Assert.AreEqual(Path.Combine(failed, "checkpoints", "latest"), error.CheckpointPath);
            StringAssert.Contains(error.Message, "test fault");
            StringAssert.Contains(error.Message, "dqnbridge resume");
        }
        var checkpoint = Checkpoint.Load(Path.Combine(failed, "checkpoints", "latest"));
        Assert.AreEqual(700, checkpoint.State.NextStep);

        // The fault removed, resume continues exactly.
        using (var envs = new WalkVectorEnv(2))
        using (var trainer = DqnTrainer.Resume(checkpoint, envs))
        {
            Assert.AreEqual(700, trainer.GlobalStep);
            Assert.AreEqual(1200, trainer.Train(TestContext.CancellationToken).Steps);
        }
        CollectionAssert.AreEqual(CsvRowsWithoutWallTime(_root["whole"]), CsvRowsWithoutWallTime(failed));
    }

    /// <summary>The same on the built-in CartPole: the checkpoint holds the environments' mid-episode state and RNGs.</summary>
    [TestMethod]
    public void ResumedCartPoleRunEqualsUninterruptedRun()
    {
        var config = WalkConfig(3000);
        config.EnvId = "CartPole-v1";
        config.LearningStarts = 500;

        string whole = _root["cartpole-whole"];
        float[] wholeWeights;
        using (var envs = CartPoles(2))
        using (var trainer = new DqnTrainer(config, envs, whole))
        {
            trainer.Train(TestContext.CancellationToken);
            wholeWeights = Weights(trainer.QNetwork);
        }

        string interrupted = _root["cartpole-interrupted"];
        using (var cancel = new CancellationTokenSource())
        using (var envs = CartPoles(2))
        using (var trainer = new DqnTrainer(config, envs, interrupted, new CancelAfterEpisodes(cancel, episodes: 51)))
        {
            Assert.IsTrue(trainer.Train(cancel.Token).Cancelled);
        }
        float[] resumedWeights;
        using (var envs = CartPoles(2))
        using (var trainer = DqnTrainer.Resume(Path.Combine(interrupted, "checkpoints", "latest"), envs))
        {
            trainer.Train(TestContext.CancellationToken);
            resumedWeights = Weights(trainer.QNetwork);
        }

        var rows = CsvRowsWithoutWallTime(whole);
        Assert.IsGreaterThan(60, rows.Length, "episodes after the interruption too");
        CollectionAssert.AreEqual(rows, CsvRowsWithoutWallTime(interrupted));
        CollectionAssert.AreEqual(wholeWeights, resumedWeights);
    }

    [TestMethod]
    public void CancellationWritesACheckpointAndReportsIt()
    {
        using var cancel = new CancellationTokenSource();
        var observer = new CancelAfterEpisodes(cancel, episodes: 5);
        using var envs = new WalkVectorEnv(2);
        using var trainer = new DqnTrainer(WalkConfig(100_000), envs, _root["cancel"], observer);
        var summary = trainer.Train(cancel.Token);
        Assert.IsTrue(summary.Cancelled);
        Assert.IsLessThan(100_000L, summary.Steps);
        Assert.AreEqual(summary.Steps, Checkpoint.Load(summary.CheckpointPath).State.NextStep);
    }

    private sealed class CancelAfterEpisodes(CancellationTokenSource source, int episodes) : ITrainingObserver
    {
        public void OnEpisode(EpisodeRecord e)
        {
            if (e.Episode >= episodes)
            {
                source.Cancel();
            }
        }

        public void OnProgress(TrainingProgress p)
        {
        }
    }

    private static SyncVectorEnv CartPoles(int n) => new([.. Enumerable.Range(0, n).Select(_ => NativeEnvs.Create("CartPole-v1"))]);

    [TestMethod]
    public void MaxEpisodesStopsAfterThatManyEpisodes()
    {
        var config = WalkConfig(1_000_000);
        config.EnvId = "CartPole-v1";
        config.NumEnvs = 1;
        config.MaxEpisodes = 12;
        using var envs = CartPoles(1);
        using var trainer = new DqnTrainer(config, envs, _root["max"]);
        var summary = trainer.Train(TestContext.CancellationToken);

        Assert.AreEqual(12L, summary.Episodes);
        Assert.IsLessThan(1_000_000L, summary.Steps);
        Assert.HasCount(13, File.ReadAllLines(Path.Combine(_root.Path, "max", "episodes.csv")), "header + 12 episodes");
        Assert.IsFalse(summary.Cancelled);
    }

    [TestMethod]
    public void TruncationAsTerminalStoresTimeLimitEndsAsDone()
    {
        // CartPole-v1 with a random policy never reaches 500 steps, so use a walk that truncates at 30 steps.
        long DonesSampled(bool truncationAsTerminal)
        {
            var config = new DqnConfig
            {
                EnvId = "Walk-v0",
                NumEnvs = 1,
                Seed = 3,
                TotalTimesteps = 600,
                LearningStarts = 100_000,
                BufferSize = 1000,
                BatchSize = 512,
                HiddenSizes = [8],
                Tensorboard = false,
                TruncationAsTerminal = truncationAsTerminal,
            };
            using var envs = new WalkVectorEnv(1);
            using var trainer = new DqnTrainer(config, envs, _root[$"trunc-{truncationAsTerminal}"]);
            trainer.Train(TestContext.CancellationToken);
            var batch = new float[512];
            trainer.Replay.Sample(new SeededRandom(11), new ReplayBatch(
                new byte[512 * trainer.Replay.ObservationBytes], new byte[512 * trainer.Replay.ObservationBytes], new long[512], new float[512], batch));
            return (long)batch.Sum();
        }

        long plain = DonesSampled(false);
        long truncationTerminal = DonesSampled(true);
        // Same transitions, same draws: truncated ones now count as done too.
        Assert.IsGreaterThan(plain, truncationTerminal);
    }
}
