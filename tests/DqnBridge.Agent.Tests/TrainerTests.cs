using DqnBridge.Envs;
using DqnBridge.Envs.Native;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests;

[TestClass]
public sealed class TrainerTests
{
    public TestContext TestContext { get; set; } = null!;

    private readonly TempFolder _root = new("dqn-agent-tests-");

    [TestCleanup]
    public void DeleteRoot() => _root.Dispose();

    private static DqnConfig WalkConfig(long steps, long checkpointFrequency = 0, UpdatePath updatePath = UpdatePath.Auto) => new()
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

    /// <summary>The same on the built-in CartPole: the checkpoint holds the environments' mid-episode state and RNGs.</summary>
    [TestMethod]
    public void ResumedCartPoleRunEqualsUninterruptedRun()
    {
        var config = WalkConfig(3000);
        config.EnvId = "CartPole-v1";
        config.LearningStarts = 500;
        static SyncVectorEnv CartPoles() => new([NativeEnvs.Create("CartPole-v1"), NativeEnvs.Create("CartPole-v1")]);

        string whole = _root["cartpole-whole"];
        float[] wholeWeights;
        using (var envs = CartPoles())
        using (var trainer = new DqnTrainer(config, envs, whole))
        {
            trainer.Train(TestContext.CancellationToken);
            wholeWeights = Weights(trainer.QNetwork);
        }

        string interrupted = _root["cartpole-interrupted"];
        using (var cancel = new CancellationTokenSource())
        using (var envs = CartPoles())
        using (var trainer = new DqnTrainer(config, envs, interrupted, new CancelAfterEpisodes(cancel, episodes: 51)))
        {
            Assert.IsTrue(trainer.Train(cancel.Token).Cancelled);
        }
        float[] resumedWeights;
        using (var envs = CartPoles())
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

    private string WriteCheckpoint()
    {
        using var envs = new WalkVectorEnv(2);
        using var trainer = new DqnTrainer(WalkConfig(300), envs, _root["ckpt"]);
        return trainer.Train(TestContext.CancellationToken).CheckpointPath;
    }

    /// <summary>Resuming <paramref name="path"/> on <paramref name="numEnvs"/> walkers fails with a message naming <paramref name="expected"/> and changes no file.</summary>
    private static void AssertResumeRejectsAndLeavesAlone(string path, int numEnvs, string expected)
    {
        var before = Snapshot(path);
        using var envs = new WalkVectorEnv(numEnvs);
        var error = Assert.ThrowsExactly<CheckpointException>(() => DqnTrainer.Resume(path, envs));
        StringAssert.Contains(error.Message, expected);
        var after = Snapshot(path);
        CollectionAssert.AreEquivalent(before.Keys.ToList(), after.Keys.ToList());
        foreach (var (name, bytes) in before)
        {
            CollectionAssert.AreEqual(bytes, after[name], name);
        }
    }

    private static Dictionary<string, byte[]> Snapshot(string directory) =>
        Directory.GetFiles(directory).ToDictionary(file => Path.GetFileName(file), File.ReadAllBytes);

    [TestMethod]
    public void CorruptCheckpointIsRejectedAndLeftAlone()
    {
        string path = WriteCheckpoint();
        string replay = Path.Combine(path, Checkpoint.ReplayFile);
        var bytes = File.ReadAllBytes(replay);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(replay, bytes);
        AssertResumeRejectsAndLeavesAlone(path, numEnvs: 2, "SHA-256");
    }

    [TestMethod]
    public void TruncatedCheckpointIsRejectedAndLeftAlone()
    {
        string path = WriteCheckpoint();
        string network = Path.Combine(path, Checkpoint.QNetworkFile);
        File.WriteAllBytes(network, File.ReadAllBytes(network)[..^7]);
        AssertResumeRejectsAndLeavesAlone(path, numEnvs: 2, "truncated");
    }

    [TestMethod]
    public void MismatchedCheckpointIsRejectedAndLeftAlone()
    {
        AssertResumeRejectsAndLeavesAlone(WriteCheckpoint(), numEnvs: 3, "was written for 2 x Walk-v0 with observations (");
        Assert.ThrowsExactly<CheckpointException>(() => Checkpoint.Load(_root["nowhere"]));
    }

    [TestMethod]
    public void CheckpointRefusesToRunOnAnotherEnvironment()
    {
        var checkpoint = Checkpoint.Load(WriteCheckpoint());
        using var env = NativeEnvs.Create("CartPole-v1");
        var error = Assert.ThrowsExactly<CheckpointException>(() => checkpoint.EnsureMatches(env));
        StringAssert.Contains(error.Message, "was trained on Walk-v0 with observations (");
        StringAssert.Contains(error.Message, "actions; the environment to run it on is CartPole-v1 with ");
    }
}
