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
}
