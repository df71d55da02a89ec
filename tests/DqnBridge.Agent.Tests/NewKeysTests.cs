using DqnBridge.Envs;
using DqnBridge.Envs.Native;

namespace DqnBridge.Agent.Tests;

/// <summary>max_episodes, truncation_as_terminal, periodic evaluation (eval.csv, resume-safe) and the replay memory check.</summary>
[TestClass]
public sealed class NewKeysTests
{
    public TestContext TestContext { get; set; } = null!;

    private readonly TempFolder _root = new("dqn-newkeys-");

    [TestCleanup]
    public void DeleteRoot() => _root.Dispose();

    private static DqnConfig CartPoleConfig(long steps) => new()
    {
        EnvId = "CartPole-v1",
        Seed = 5,
        NumEnvs = 2,
        TotalTimesteps = steps,
        LearningStarts = 300,
        TrainFrequency = 2,
        TargetNetworkFrequency = 50,
        BufferSize = 1000,
        BatchSize = 32,
        LearningRate = 1e-3,
        HiddenSizes = [16, 16],
        Tensorboard = false,
    };

    private static SyncVectorEnv CartPoles(int n = 2) => new([.. Enumerable.Range(0, n).Select(_ => NativeEnvs.Create("CartPole-v1"))]);

    [TestMethod]
    public void MaxEpisodesStopsAfterThatManyEpisodes()
    {
        var config = CartPoleConfig(1_000_000);
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

    [TestMethod]
    public void ValidateNamesTheNewKeys()
    {
        var badEpisodes = new DqnConfig { MaxEpisodes = -1 };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(badEpisodes.Validate).Message, "max_episodes");
        var badEval = new DqnConfig { EvalFrequency = 100, EvalEpisodes = 0 };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(badEval.Validate).Message, "eval_episodes");
        var badAle = new DqnConfig { Vectorization = VectorizationMode.Ale };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(badAle.Validate).Message, "vectorization");
        new DqnConfig { EvalFrequency = 100, EvalEpisodes = 0, EvalSteps = 500 }.Validate();
    }

    private (string Run, float[] Weights) TrainWithEvaluation(DqnConfig config, string name, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        string run = _root[name];
        using var envs = CartPoles();
        using var trainer = new DqnTrainer(config, envs, run, observer);
        trainer.EnablePeriodicEvaluation(() => NativeEnvs.Create("CartPole-v1"));
        trainer.Train(cancel == default ? TestContext.CancellationToken : cancel);
        return (run, trainer.QNetwork.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray());
    }

    [TestMethod]
    public void PeriodicEvaluationWritesEvalCsvAndLeavesTrainingUnchanged()
    {
        var config = CartPoleConfig(2000);
        var plain = TrainWithEvaluation(config, "plain");
        config.EvalFrequency = 500;
        config.EvalEpisodes = 3;
        var evaluated = TrainWithEvaluation(config, "evaluated");

        CollectionAssert.AreEqual(TrainerTests.CsvRowsWithoutWallTime(plain.Run), TrainerTests.CsvRowsWithoutWallTime(evaluated.Run));
        CollectionAssert.AreEqual(plain.Weights, evaluated.Weights);
        Assert.IsFalse(File.Exists(Path.Combine(plain.Run, PeriodicEvaluation.CsvFile)));
        var lines = File.ReadAllLines(Path.Combine(evaluated.Run, PeriodicEvaluation.CsvFile));
        Assert.AreEqual("global_step,episodes,steps,mean_return,max_return,min_return", lines[0]);
        CollectionAssert.AreEqual(new[] { "500", "1000", "1500", "2000" }, lines.Skip(1).Select(l => l.Split(',')[0]).ToArray());
        foreach (var fields in lines.Skip(1).Select(l => l.Split(',')))
        {
            Assert.AreEqual("3", fields[1]);
            double mean = double.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture);
            double max = double.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture);
            double min = double.Parse(fields[5], System.Globalization.CultureInfo.InvariantCulture);
            Assert.IsTrue(min <= mean && mean <= max && min >= 1, string.Join(",", fields));
        }
    }

    [TestMethod]
    public void ResumedRunWritesTheSameEvalCsv()
    {
        var config = CartPoleConfig(3200);
        config.EvalFrequency = 400;
        config.EvalEpisodes = 2;
        var whole = TrainWithEvaluation(config, "whole");

        using (var cancel = new CancellationTokenSource())
        {
            TrainWithEvaluation(config, "interrupted", new CancelAt(cancel, step: 1700), cancel.Token);
        }
        string interrupted = _root["interrupted"];
        var beforeResume = File.ReadAllLines(Path.Combine(interrupted, PeriodicEvaluation.CsvFile));
        Assert.IsLessThan(8, beforeResume.Length - 1, "interrupted before the last evaluations");
        using (var envs = CartPoles())
        using (var trainer = DqnTrainer.Resume(Path.Combine(interrupted, "checkpoints", "latest"), envs))
        {
            trainer.EnablePeriodicEvaluation(() => NativeEnvs.Create("CartPole-v1"));
            trainer.Train(TestContext.CancellationToken);
        }

        var expected = File.ReadAllLines(Path.Combine(whole.Run, PeriodicEvaluation.CsvFile));
        Assert.HasCount(8, expected.Skip(1).ToArray());
        CollectionAssert.AreEqual(expected, File.ReadAllLines(Path.Combine(interrupted, PeriodicEvaluation.CsvFile)));
    }

    private sealed class CancelAt(CancellationTokenSource source, long step) : ITrainingObserver
    {
        public void OnEpisode(EpisodeRecord e)
        {
            if (e.GlobalStep >= step)
            {
                source.Cancel();
            }
        }

        public void OnProgress(TrainingProgress p)
        {
        }
    }

    [TestMethod]
    public void EvaluationSeedDependsOnTheStepAlone()
    {
        var config = new DqnConfig { EvalSeed = 1000 };
        Assert.AreEqual(1000 + 5000, PeriodicEvaluation.SeedAt(config, 5000));
        Assert.AreEqual(PeriodicEvaluation.SeedAt(config, 123), PeriodicEvaluation.SeedAt(config.Clone(), 123));
    }

    [TestMethod]
    public void StepBudgetCountsFinishedEpisodesOrReportsTheCutOne()
    {
        var config = new DqnConfig { EnvId = "CartPole-v1", HiddenSizes = [8] };
        using var network = QNetwork.Create(config, BoxSpace.Uniform([4], ElementType.Float32, -1, 1), 2);
        using var env = NativeEnvs.Create("CartPole-v1");

        var budget = EpisodePlayer.Play(network, env, episodes: 0, maxSteps: 300, epsilon: 1.0, seed: 2);
        Assert.IsGreaterThan(1, budget.Count);
        Assert.IsTrue(budget.All(e => e.Complete));
        Assert.IsLessThanOrEqualTo(300L, budget.Sum(e => (long)e.Length));

        var cut = EpisodePlayer.Play(network, env, episodes: 0, maxSteps: 3, epsilon: 1.0, seed: 2);
        Assert.HasCount(1, cut);
        Assert.IsFalse(cut[0].Complete);
        Assert.AreEqual(3, cut[0].Length);

        var byEpisodes = EpisodePlayer.Play(network, env, episodes: 4, maxSteps: 0, epsilon: 1.0, seed: 2);
        Assert.HasCount(4, byEpisodes);
        // CartPole's rewards are all +1: clipping changes nothing.
        Assert.IsTrue(byEpisodes.All(e => e.Return == e.ClippedReturn && e.Return == e.Length));
    }

    [TestMethod]
    public void ClippedReturnSumsRewardSigns()
    {
        var config = new DqnConfig { HiddenSizes = [4] };
        using var network = QNetwork.Create(config, BoxSpace.Uniform([1], ElementType.Float32, -1, 1), 1);
        using var env = new ScriptedRewards([7.0, -3.5, 0.0, 200.0]);
        var episode = EpisodePlayer.Play(network, env, episodes: 1, maxSteps: 0, epsilon: 0, seed: 1).Single();
        Assert.AreEqual(203.5, episode.Return);
        Assert.AreEqual(1.0, episode.ClippedReturn); // +1 - 1 + 0 + 1
    }

    /// <summary>One episode whose steps give the listed rewards, then terminate.</summary>
    private sealed class ScriptedRewards(double[] rewards) : IEnv
    {
        private int _step;
        public string Id => "Scripted-v0";
        public BoxSpace ObservationSpace { get; } = BoxSpace.Uniform([1], ElementType.Float32, -1, 1);
        public Space ActionSpace { get; } = new DiscreteSpace(1);
        public int? MaxEpisodeSteps => null;
        public void Reset(Span<byte> observation, int? seed = null) => _step = 0;

        public StepResult Step(int action, Span<byte> observation)
        {
            double reward = rewards[_step++];
            return new StepResult(reward, _step == rewards.Length, false);
        }

        public RgbFrame Render() => throw new NotSupportedException();
        public void Dispose() { }
    }

    [TestMethod]
    public void ReplayMemoryCheckComputesWhatTheBuffersAllocate()
    {
        var pixels = new DqnConfig { Wrappers = EnvWrappers.Atari, BufferSize = 1003, NumEnvs = 2 };
        var frames = BoxSpace.Uniform([4, 84, 84], ElementType.UInt8, 0, 255);
        using (var buffer = ReplayBuffers.Create(pixels, frames))
        {
            Assert.AreEqual(buffer.MemoryBytes, ReplayMemoryCheck.RequiredBytes(pixels, frames));
        }
        var vector = new DqnConfig { BufferSize = 777 };
        var space = BoxSpace.Uniform([6], ElementType.Float32, -1, 1);
        using (var buffer = ReplayBuffers.Create(vector, space))
        {
            Assert.AreEqual(buffer.MemoryBytes, ReplayMemoryCheck.RequiredBytes(vector, space));
        }
    }

    [TestMethod]
    public void ReplayMemoryCheckRefusesWithBothFiguresAndTheFlag()
    {
        var config = new DqnConfig { Wrappers = EnvWrappers.Atari, BufferSize = 1_000_000 };
        var frames = BoxSpace.Uniform([4, 84, 84], ElementType.UInt8, 0, 255);
        long required = ReplayMemoryCheck.RequiredBytes(config, frames);
        Assert.AreEqual(1_000_000L * (84 * 84 + 9), required);

        var error = Assert.ThrowsExactly<ReplayMemoryException>(() => ReplayMemoryCheck.EnsureFits(config, frames, availableBytes: 2L << 30));
        StringAssert.Contains(error.Message, $"{required:N0} bytes");
        StringAssert.Contains(error.Message, $"{2L << 30:N0} bytes");
        StringAssert.Contains(error.Message, "allow_large_replay=true");

        ReplayMemoryCheck.EnsureFits(config, frames, availableBytes: required); // fits exactly
        config.AllowLargeReplay = true;
        ReplayMemoryCheck.EnsureFits(config, frames, availableBytes: 1);
        Assert.IsGreaterThan(0L, ReplayMemoryCheck.AvailableBytes() ?? 1);
    }
}
