using System.Text;
using DqnBridge.Agent.Checkpoints;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;

namespace DqnBridge.Agent.Tests.Training;

/// <summary>C51, dueling heads and noisy nets keep DQN's guarantees: the same seed gives the same run, a resumed run equals the uninterrupted one.</summary>
[TestClass]
public sealed class RainbowComponentTrainerTests
{
    public TestContext TestContext { get; set; } = null!;

    private readonly TempFolder _root = new("dqn-rainbow-tests-");

    [TestCleanup]
    public void DeleteRoot() => _root.Dispose();

    private static DqnConfig Config(string components, long steps)
    {
        var config = DqnTrainerTests.WalkConfig(steps);
        foreach (var component in components.Split('+'))
        {
            switch (component)
            {
                case "c51":
                    (config.Distributional, config.NAtoms, config.VMin, config.VMax) = (Distributional.C51, 11, -5, 5);
                    break;
                case "c51-reference":
                    (config.Distributional, config.NAtoms, config.VMin, config.VMax, config.UpdatePath) = (Distributional.C51, 11, -5, 5, UpdatePath.Reference);
                    break;
                case "dueling":
                    config.Dueling = true;
                    break;
                case "noisy":
                    config.Noisy = true;
                    break;
                default:
                    throw new ArgumentException(component);
            }
        }
        return config;
    }

    private static float[] Weights(QNetwork network) =>
        network.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    [TestMethod]
    [DataRow("c51")]
    [DataRow("c51-reference")]
    [DataRow("dueling")]
    [DataRow("noisy")]
    [DataRow("c51+dueling+noisy")]
    public void SameSeedGivesIdenticalEpisodesAndWeights(string components)
    {
        float[] Train(string name)
        {
            using var envs = new WalkVectorEnv(2);
            using var trainer = new DqnTrainer(Config(components, 1500), envs, _root[name]);
            trainer.Train(TestContext.CancellationToken);
            return Weights(trainer.QNetwork);
        }
        var first = Train("a");
        var second = Train("b");

        var rows = DqnTrainerTests.CsvRowsWithoutWallTime(_root["a"]);
        Assert.IsGreaterThan(20, rows.Length, "enough episodes to compare");
        CollectionAssert.AreEqual(rows, DqnTrainerTests.CsvRowsWithoutWallTime(_root["b"]));
        CollectionAssert.AreEqual(first, second);
    }

    [TestMethod]
    [DataRow("c51")]
    [DataRow("c51+dueling+noisy")]
    public void ResumedRunEqualsUninterruptedRun(string components)
    {
        float[] wholeWeights;
        using (var envs = new WalkVectorEnv(2))
        using (var trainer = new DqnTrainer(Config(components, 1200), envs, _root["whole"]))
        {
            trainer.Train(TestContext.CancellationToken);
            wholeWeights = Weights(trainer.QNetwork);
        }

        string interrupted = _root["interrupted"];
        using (var cancel = new CancellationTokenSource())
        using (var envs = new WalkVectorEnv(2))
        using (var trainer = new DqnTrainer(Config(components, 1200), envs, interrupted, new CancelAfterEpisodes(cancel, episodes: 25)))
        {
            var summary = trainer.Train(cancel.Token);
            Assert.IsTrue(summary.Cancelled);
            Assert.IsGreaterThan(200L, summary.Steps, "stopped after training began");
        }
        var checkpoint = Checkpoint.Load(Path.Combine(interrupted, "checkpoints", "latest"));
        Assert.HasCount(components.Contains("noisy", StringComparison.Ordinal) ? 4 : 0, checkpoint.State.NoiseRandomState, "the noise generator's state is saved with noisy nets");
        float[] resumedWeights;
        using (var envs = new WalkVectorEnv(2))
        using (var trainer = DqnTrainer.Resume(checkpoint, envs))
        {
            trainer.Train(TestContext.CancellationToken);
            resumedWeights = Weights(trainer.QNetwork);
        }
        CollectionAssert.AreEqual(DqnTrainerTests.CsvRowsWithoutWallTime(_root["whole"]), DqnTrainerTests.CsvRowsWithoutWallTime(interrupted));
        CollectionAssert.AreEqual(wholeWeights, resumedWeights);
    }

    [TestMethod]
    public void NoisyNetsExploreWithoutEpsilonAndLogTheirNoiseScale()
    {
        var config = Config("noisy", 800);
        using (var envs = new WalkVectorEnv(2))
        using (var trainer = new DqnTrainer(config, envs, _root["noisy"]))
        {
            Assert.AreEqual(UpdatePath.Reference, trainer.UpdatePath);
            trainer.Train(TestContext.CancellationToken);
        }
        var epsilons = File.ReadAllLines(Path.Combine(_root["noisy"], "episodes.csv")).Skip(1)
            .Select(line => line.Split(',')[4]).Distinct().ToArray();
        CollectionAssert.AreEqual(new[] { "0" }, epsilons, "epsilon is 0 throughout");
        var events = Directory.GetFiles(Path.Combine(_root["noisy"], "tensorboard")).Single();
        string text = Encoding.ASCII.GetString(File.ReadAllBytes(events));
        StringAssert.Contains(text, "noise/_layers.out.weight_sigma");
        StringAssert.Contains(text, "losses/q_values");
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
}
