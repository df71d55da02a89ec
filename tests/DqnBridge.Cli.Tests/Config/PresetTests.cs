namespace DqnBridge.Cli.Tests;

[TestClass]
public sealed class PresetTests
{
    /// <summary>configs/NAME, found above the test binaries (the repository root).</summary>
    internal static string Preset(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var path = Path.Combine(directory.FullName, "configs", name);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException($"configs/{name} not found above {AppContext.BaseDirectory}");
    }

    [TestMethod]
    public void EveryPresetLoadsAndValidates()
    {
        var folder = Path.GetDirectoryName(Preset("cleanrl-classic-control.yaml"))!;
        var presets = Directory.GetFiles(folder, "*.yaml");

        Assert.IsGreaterThanOrEqualTo(5, presets.Length);
        foreach (var preset in presets)
        {
            ConfigLoader.Resolve(preset, []);
        }
    }

    [TestMethod]
    public void ClassicControlPresetIsExactlyCleanRlDefaults()
    {
        var config = ConfigLoader.Resolve(Preset("cleanrl-classic-control.yaml"), []);

        Assert.AreEqual(ConfigLoader.ToYaml(new DqnConfig()), ConfigLoader.ToYaml(config));
    }

    /// <summary>CleanRL c51.py's Args defaults, as that script states them, and nothing else changed from dqn.py's.</summary>
    [TestMethod]
    public void C51PresetIsExactlyCleanRlC51()
    {
        var config = ConfigLoader.Resolve(Preset("cleanrl-c51.yaml"), []);

        var expected = new DqnConfig
        {
            ExpName = "c51",
            EnvId = "CartPole-v1",
            Seed = 1,
            NumEnvs = 1,
            TotalTimesteps = 500_000,
            LearningRate = 2.5e-4,
            Distributional = Distributional.C51,
            NAtoms = 101,
            VMin = -100,
            VMax = 100,
            BufferSize = 10_000,
            Gamma = 0.99,
            TargetNetworkFrequency = 500,
            BatchSize = 128,
            StartE = 1,
            EndE = 0.05,
            ExplorationFraction = 0.5,
            LearningStarts = 10_000,
            TrainFrequency = 10,
            AdamEpsilon = 0.01 / 128,
            HiddenSizes = [120, 84],
        };
        Assert.AreEqual(ConfigLoader.ToYaml(expected), ConfigLoader.ToYaml(config));
        Assert.AreEqual(UpdatePath.Fused, DqnUpdates.Resolve(config, TorchSharp.DeviceType.CPU), "c51 on an MLP runs the fused path");
    }

    [TestMethod]
    public void AtariPresetMatchesTheAtariFamilyDefaults()
    {
        var config = ConfigLoader.Resolve(Preset("cleanrl-atari.yaml"), []);
        var family = EnvFamilies.DefaultsFor(config.EnvId);
        family.ExpName = config.ExpName;

        Assert.AreEqual(ConfigLoader.ToYaml(family), ConfigLoader.ToYaml(config));
    }

    // Each value below is stated by the reference the preset is named after: a change to the preset that drifts
    // from its reference fails here (docs/presets.md).

    [TestMethod]
    public void NotebookPresetHasTheNotebookSettings()
    {
        var c = ConfigLoader.Resolve(Preset("cartpole-v0-notebook.yaml"), []);

        Assert.AreEqual("CartPole-v0", c.EnvId);
        Assert.AreEqual(NetworkKind.Mlp, c.Network);
        CollectionAssert.AreEqual(new[] { 128, 128 }, c.HiddenSizes);
        Assert.AreEqual(OptimizerKind.Adam, c.Optimizer);
        Assert.AreEqual(1e-3, c.LearningRate);
        Assert.AreEqual(0.99, c.Gamma);
        Assert.AreEqual(10_000, c.BufferSize);
        Assert.AreEqual(128, c.BatchSize);
        Assert.AreEqual(120, c.TargetNetworkFrequency);
        Assert.AreEqual(1.0, c.Tau);
        Assert.AreEqual(1, c.TrainFrequency);
        Assert.AreEqual(1, c.NumEnvs);
        // epsilon = 0.05 + (0.9 - 0.05) exp(-t / 1000)
        Assert.AreEqual(EpsilonSchedule.Exponential, c.EpsilonSchedule);
        Assert.AreEqual(0.9, c.StartE);
        Assert.AreEqual(0.05, c.EndE);
        Assert.AreEqual(1000, c.EpsilonDecaySteps);
        Assert.AreEqual(LossKind.Mse, c.Loss);
        // Learning starts once the buffer holds two to three times the batch.
        Assert.IsTrue(c.LearningStarts >= 2 * c.BatchSize && c.LearningStarts <= 3 * c.BatchSize, $"learning_starts {c.LearningStarts}");
        Assert.IsTrue(c.TruncationAsTerminal, "the Bellman target is r alone when the episode ended either way");
        Assert.AreEqual(250L, c.MaxEpisodes);
        // total_timesteps must never stop the run before its 250 episodes (CartPole-v0 episodes last at most 200 steps).
        Assert.IsGreaterThanOrEqualTo(250L * 200, c.TotalTimesteps);
        Assert.AreEqual(0.0, c.MaxGradNorm);
    }

    [TestMethod]
    public void CarRacingPresetHasTheNotebookSettings()
    {
        var c = ConfigLoader.Resolve(Preset("carracing-discrete.yaml"), []);

        Assert.AreEqual("CarRacing-v3", c.EnvId);
        Assert.AreEqual(EnvWrappers.CarRacing, c.Wrappers);
        Assert.AreEqual(CarRacingFrame.Crop, c.CarRacingFrame, "img[:84, 6:90], a crop, not a resize");
        Assert.IsFalse((bool)c.EnvKwargs["continuous"]);
        Assert.AreEqual(4, c.FrameSkip);
        Assert.AreEqual(4, c.FrameStack);
        Assert.AreEqual(100_000, c.BufferSize);
        Assert.AreEqual(OptimizerKind.RMSprop, c.Optimizer);
        Assert.AreEqual(2.5e-4, c.LearningRate);
        Assert.AreEqual(5000L, c.LearningStarts);
        Assert.AreEqual(10_000, c.TargetNetworkFrequency);
        Assert.AreEqual(EpsilonSchedule.Linear, c.EpsilonSchedule);
        Assert.AreEqual(1.0, c.StartE);
        Assert.AreEqual(0.1, c.EndE);
        Assert.AreEqual(1e6, c.ExplorationFraction * c.TotalTimesteps);
        Assert.AreEqual(1_000_000L, c.TotalTimesteps, "max_steps = 1e6");
        Assert.AreEqual(LossKind.Mse, c.Loss, "F.mse_loss");
        Assert.AreEqual(1, c.TrainFrequency, "a gradient step at every step after warm-up");
        Assert.AreEqual(10_000L, c.EvalFrequency, "evaluation every 10,000 steps");
        Assert.AreEqual(5, c.EvalEpisodes);
        Assert.AreEqual(0.0, c.EvalEpsilon, "the greedy policy");
        Assert.AreEqual(0L, c.EvalSteps);
    }

    [TestMethod]
    public void SpaceInvadersPresetMapsEveryKeyOfTheReferenceYaml()
    {
        var c = ConfigLoader.Resolve(Preset("space-invaders.yaml"), []);

        StringAssert.Contains(c.EnvId, "SpaceInvaders");
        Assert.AreEqual(16, c.NumEnvs);                       // n_envs
        Assert.AreEqual(650_000L, c.TotalTimesteps);          // n_timesteps
        Assert.AreEqual(OptimizerKind.AdamW, c.Optimizer);
        Assert.AreEqual(1e-3, c.LearningRate);
        Assert.AreEqual(300_000, c.BufferSize);
        Assert.AreEqual(20_000L, c.LearningStarts * c.NumEnvs); // warm-up of 20,000 transitions (learning_starts counts vector steps)
        Assert.IsLessThan((long)c.BufferSize, c.LearningStarts * c.NumEnvs, "learning starts before the buffer wraps");
        Assert.AreEqual(0.0, c.EvalEpsilon, "greedy evaluation");
        Assert.AreEqual(FrameStackPadding.Zero, c.FrameStackPadding, "ALE's black padding, on the sync fallback too");
        Assert.AreEqual(5000L, c.CheckpointFrequency);
        Assert.IsTrue(c.Tensorboard);
        Assert.AreEqual(5000L, c.EvalFrequency);
        Assert.AreEqual(3000L, c.EvalSteps);
        Assert.AreEqual(VectorizationMode.Ale, c.Vectorization); // ALE's AtariVectorEnv
        Assert.AreEqual(EnvWrappers.Atari, c.Wrappers);
        Assert.AreEqual(NetworkKind.NatureCnn, c.Network);
    }

    [TestMethod]
    public void BreakoutPongPresetHasTheProjectsSettings()
    {
        var c = ConfigLoader.Resolve(Preset("breakout-pong.yaml"), []);

        Assert.AreEqual("BreakoutNoFrameskip-v4", c.EnvId);
        Assert.AreEqual(EnvWrappers.Atari, c.Wrappers);
        Assert.AreEqual(NetworkKind.NatureCnn, c.Network);
        Assert.AreEqual(1_000_000, c.BufferSize);
        Assert.AreEqual(LossKind.Huber, c.Loss);
        Assert.IsGreaterThan(0.0, c.MaxGradNorm, "gradient clipping");
        Assert.AreEqual(FrameStackPadding.Zero, c.FrameStackPadding, "black frames before an episode's first one");
        Assert.IsTrue(c.Tensorboard);
        Assert.IsFalse(c.AllowLargeReplay, "the memory check stays on");
        // Pong is the same preset with another id.
        Assert.AreEqual("PongNoFrameskip-v4", ConfigLoader.Resolve(Preset("breakout-pong.yaml"), [], "PongNoFrameskip-v4").EnvId);
    }

    [TestMethod]
    public void NewKeysParseFromTheCommandLine()
    {
        var c = ConfigLoader.Resolve(null, ["max_episodes=250", "truncation_as_terminal=true", "car_racing_frame=crop", "vectorization=async",
            "eval_frequency=1_000", "eval_steps=3000", "eval_seed=7", "allow_large_replay=true"]);

        Assert.AreEqual(250L, c.MaxEpisodes);
        Assert.IsTrue(c.TruncationAsTerminal);
        Assert.AreEqual(CarRacingFrame.Crop, c.CarRacingFrame);
        Assert.AreEqual(VectorizationMode.Async, c.Vectorization);
        Assert.AreEqual(1000L, c.EvalFrequency);
        Assert.AreEqual(3000L, c.EvalSteps);
        Assert.AreEqual(7, c.EvalSeed);
        Assert.IsTrue(c.AllowLargeReplay);
        var spec = c.ToEnvSpec();
        Assert.AreEqual(CarRacingFrame.Crop, spec.CarRacingFrame);
        Assert.AreEqual("async", spec.Vectorization);
        Assert.Throws<ConfigException>(() => ConfigLoader.Resolve(null, ["vectorization=ale"]));
    }

    /// <summary>The settings the measured LunarLander result in docs/results.md was trained with.</summary>
    [TestMethod]
    public void LunarLanderPresetHasTheReadmesSettings()
    {
        DqnConfig config = ConfigLoader.Resolve(Preset("lunarlander.yaml"), []);

        Assert.AreEqual("LunarLander-v3", config.EnvId);
        Assert.AreEqual(1, config.Seed);
        Assert.AreEqual(1, config.NumEnvs);
        Assert.AreEqual(300_000L, config.TotalTimesteps);
        Assert.AreEqual(6.3e-4, config.LearningRate);
        Assert.AreEqual(128, config.BatchSize);
        Assert.AreEqual(50_000, config.BufferSize);
        Assert.AreEqual(0L, config.LearningStarts);
        Assert.AreEqual(250, config.TargetNetworkFrequency);
        Assert.AreEqual(4, config.TrainFrequency);
        Assert.AreEqual(0.12, config.ExplorationFraction);
        Assert.AreEqual(1.0, config.StartE);
        Assert.AreEqual(0.1, config.EndE);
        Assert.AreEqual(0.99, config.Gamma);
        Assert.AreEqual(1.0, config.Tau);
        Assert.AreEqual(LossKind.Mse, config.Loss);
        Assert.AreEqual(OptimizerKind.Adam, config.Optimizer);
        Assert.AreEqual(NetworkKind.Mlp, config.Network);
        CollectionAssert.AreEqual(new[] { 256, 256 }, config.HiddenSizes);
        Assert.AreEqual(EpsilonSchedule.Linear, config.EpsilonSchedule);
        Assert.AreEqual(0.0, config.MaxGradNorm);
        Assert.IsFalse(config.DoubleDqn);
        Assert.AreEqual("", config.Python, "the preset names no interpreter");
    }

    /// <summary>Rainbow's values from Hessel et al. 2018, Table 1 (frames / 4 = agent steps), with the Nature DQN settings it keeps.</summary>
    [TestMethod]
    public void RainbowAtariPresetHasThePapersSettings()
    {
        var c = ConfigLoader.Resolve(Preset("rainbow-atari.yaml"), []);

        Assert.AreEqual(OptimizerKind.Adam, c.Optimizer);
        Assert.AreEqual(6.25e-5, c.LearningRate);
        Assert.AreEqual(1.5e-4, c.AdamEpsilon);
        Assert.AreEqual(3, c.NStep);
        Assert.IsTrue(c.PrioritizedReplay);
        Assert.AreEqual(0.5, c.PerAlpha);
        Assert.AreEqual(0.4, c.PerBetaStart);
        Assert.AreEqual(Distributional.C51, c.Distributional);
        Assert.AreEqual(51, c.NAtoms);
        Assert.AreEqual(-10.0, c.VMin);
        Assert.AreEqual(10.0, c.VMax);
        Assert.IsTrue(c.Dueling);
        Assert.IsTrue(c.Noisy);
        Assert.AreEqual(0.5, c.Sigma0);
        Assert.IsTrue(c.DoubleDqn);
        Assert.AreEqual(32_000 / 4, c.TargetNetworkFrequency);
        Assert.AreEqual(80_000L / 4, c.LearningStarts);
        Assert.AreEqual(1_000_000, c.BufferSize);
        Assert.AreEqual(32, c.BatchSize);
        Assert.AreEqual(4, c.TrainFrequency);
        Assert.AreEqual(0.99, c.Gamma);
        Assert.AreEqual(EnvWrappers.Atari, c.Wrappers);
        Assert.AreEqual(NetworkKind.NatureCnn, c.Network);
    }

    [TestMethod]
    public void RainbowClassicControlPresetCombinesEveryComponent()
    {
        var c = ConfigLoader.Resolve(Preset("rainbow-classic-control.yaml"), []);

        Assert.AreEqual(3, c.NStep);
        Assert.IsTrue(c.PrioritizedReplay);
        Assert.AreEqual(0.5, c.PerAlpha);
        Assert.AreEqual(0.4, c.PerBetaStart);
        Assert.AreEqual(Distributional.C51, c.Distributional);
        Assert.AreEqual(101, c.NAtoms);
        Assert.AreEqual(-100.0, c.VMin);
        Assert.AreEqual(100.0, c.VMax);
        Assert.IsTrue(c.Dueling);
        Assert.IsTrue(c.Noisy);
        Assert.AreEqual(0.5, c.Sigma0);
        Assert.IsTrue(c.DoubleDqn);
        Assert.AreEqual(0.01 / c.BatchSize, c.AdamEpsilon, 1e-15);
        // The rest is CleanRL dqn.py's classic-control schedule.
        var dqn = new DqnConfig();
        Assert.AreEqual(dqn.TotalTimesteps, c.TotalTimesteps);
        Assert.AreEqual(dqn.LearningRate, c.LearningRate);
        Assert.AreEqual(dqn.BufferSize, c.BufferSize);
        Assert.AreEqual(dqn.BatchSize, c.BatchSize);
        Assert.AreEqual(dqn.TargetNetworkFrequency, c.TargetNetworkFrequency);
        Assert.AreEqual(dqn.LearningStarts, c.LearningStarts);
        Assert.AreEqual(dqn.TrainFrequency, c.TrainFrequency);
        CollectionAssert.AreEqual(dqn.HiddenSizes, c.HiddenSizes);
    }
}
