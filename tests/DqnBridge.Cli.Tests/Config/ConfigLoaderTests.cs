namespace DqnBridge.Cli.Tests;

[TestClass]
public sealed class ConfigLoaderTests
{
    private static string TempFile(string contents)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dqnbridge-config-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, contents);
        return path;
    }

    [TestMethod]
    public void CartPoleWithNoInputsIsCleanRlDqnPyDefaults()
    {
        var config = ConfigLoader.Resolve(null, [], "CartPole-v1");

        Assert.AreEqual(ConfigLoader.ToYaml(new DqnConfig()), ConfigLoader.ToYaml(config));
        Assert.AreEqual(2.5e-4, config.LearningRate);
        Assert.AreEqual(500_000L, config.TotalTimesteps);
    }

    [TestMethod]
    public void AtariIdsGetDqnAtariDefaults()
    {
        foreach (var id in new[] { "ALE/Pong-v5", "BreakoutNoFrameskip-v4" })
        {
            var config = ConfigLoader.Resolve(null, [], id);
            Assert.AreEqual(EnvWrappers.Atari, config.Wrappers, id);
            Assert.AreEqual(NetworkKind.NatureCnn, config.Network, id);
            Assert.AreEqual(1e-4, config.LearningRate, id);
            Assert.AreEqual(1_000_000, config.BufferSize, id);
            Assert.AreEqual(32, config.BatchSize, id);
            Assert.AreEqual(80_000L, config.LearningStarts, id);
        }
    }

    [TestMethod]
    public void CarRacingGetsItsWrappersAndDiscreteActions()
    {
        var config = ConfigLoader.Resolve(null, [], "CarRacing-v3");

        Assert.AreEqual(EnvWrappers.CarRacing, config.Wrappers);
        Assert.IsFalse((bool)config.EnvKwargs["continuous"]);
    }

    [TestMethod]
    public void OverridesParseEveryKindOfValue()
    {
        var config = ConfigLoader.Resolve(null,
        [
            "learning_rate=1e-3", "total_timesteps=1_000", "buffer_size=1e4", "loss=HUBER", "optimizer=rmsprop",
            "hidden_sizes=[64, 32, 16]", "env_kwargs.continuous=false", "env_kwargs.max_episode_steps=200",
            "double_dqn=true", "network=nature_cnn", "epsilon_schedule=Exponential", "python=/usr/bin/python3",
        ]);

        Assert.AreEqual(1e-3, config.LearningRate);
        Assert.AreEqual(1000L, config.TotalTimesteps);
        Assert.AreEqual(10_000, config.BufferSize);
        Assert.AreEqual(LossKind.Huber, config.Loss);
        Assert.AreEqual(OptimizerKind.RMSprop, config.Optimizer);
        CollectionAssert.AreEqual(new[] { 64, 32, 16 }, config.HiddenSizes);
        Assert.IsFalse((bool)config.EnvKwargs["continuous"]);
        Assert.AreEqual(200, config.EnvKwargs["max_episode_steps"]);
        Assert.IsTrue(config.DoubleDqn);
        Assert.AreEqual(NetworkKind.NatureCnn, config.Network);
        Assert.AreEqual(EpsilonSchedule.Exponential, config.EpsilonSchedule);
        Assert.AreEqual("/usr/bin/python3", config.Python);
    }

    [TestMethod]
    public void LaterValuesWinAndOverridesBeatTheFile()
    {
        var file = TempFile("gamma: 0.9\nseed: 7\n");
        try
        {
            var config = ConfigLoader.Resolve(file, ["seed=8", "seed=9"]);
            Assert.AreEqual(0.9, config.Gamma);
            Assert.AreEqual(9, config.Seed);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestMethod]
    public void EnvFromCommandLineChoosesTheFamilyButTheFileStillApplies()
    {
        var file = TempFile("learning_rate: 0.0005\n");
        try
        {
            var config = ConfigLoader.Resolve(file, [], "ALE/Breakout-v5");
            Assert.AreEqual(EnvWrappers.Atari, config.Wrappers);
            Assert.AreEqual(5e-4, config.LearningRate);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestMethod]
    public void UnknownKeySuggestsTheClosestAndListsAll()
    {
        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Resolve(null, ["learnig_rate=1e-3"]));

        StringAssert.Contains(error.Message, "Unknown config key 'learnig_rate'");
        StringAssert.Contains(error.Message, "Did you mean 'learning_rate'?");
        foreach (var key in ConfigKeys.All)
        {
            StringAssert.Contains(error.Message, key.Name);
        }
    }

    [TestMethod]
    public void BadValuesNameTheKeyAndWhatIsExpected()
    {
        var notInt = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Resolve(null, ["batch_size=lots"]));
        StringAssert.Contains(notInt.Message, "batch_size");
        StringAssert.Contains(notInt.Message, "an int");

        var notEnum = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Resolve(null, ["loss=l1"]));
        StringAssert.Contains(notEnum.Message, "mse, huber");

        var fraction = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Resolve(null, ["batch_size=2.5"]));
        StringAssert.Contains(fraction.Message, "batch_size");

        var noEquals = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Resolve(null, ["learning_rate"]));
        StringAssert.Contains(noEquals.Message, "key=value");
    }

    [TestMethod]
    public void OutOfRangeValuesAreAllReportedTogether()
    {
        var error = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Resolve(null, ["gamma=1.5", "batch_size=20000"]));

        StringAssert.Contains(error.Message, "gamma must be in [0, 1]");
        StringAssert.Contains(error.Message, "batch_size must not exceed buffer_size");
    }

    [TestMethod]
    public void FileErrorsNameTheFileAndLine()
    {
        var file = TempFile("seed: 1\nlearning_rat: 0.1\n");
        var broken = TempFile("seed: [1\n");
        try
        {
            var unknown = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Resolve(file, []));
            StringAssert.Contains(unknown.Message, $"{file} line 2");
            StringAssert.Contains(unknown.Message, "learning_rate");

            var invalid = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Resolve(broken, []));
            StringAssert.Contains(invalid.Message, "not valid YAML");

            var missing = Assert.ThrowsExactly<ConfigException>(() => ConfigLoader.Resolve(file + ".missing", []));
            StringAssert.Contains(missing.Message, "does not exist");
        }
        finally
        {
            File.Delete(file);
            File.Delete(broken);
        }
    }

    [TestMethod]
    public void ResolvedYamlReadsBackToTheSameConfig()
    {
        var original = ConfigLoader.Resolve(null, ["env_kwargs.continuous=false", "python=C:\\py \"x\"", "learning_rate=3e-5", "gamma=1"], "CarRacing-v3");
        var file = TempFile(ConfigLoader.ToYaml(original, "header"));
        try
        {
            var reloaded = ConfigLoader.Resolve(file, []);
            Assert.AreEqual(ConfigLoader.ToYaml(original), ConfigLoader.ToYaml(reloaded));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [TestMethod]
    public void EveryKeyHasADescriptionAndEveryPropertyAKey()
    {
        var writable = typeof(DqnConfig).GetProperties().Count(p => p.CanWrite);

        Assert.HasCount(writable, ConfigKeys.All);
        foreach (var key in ConfigKeys.All)
        {
            Assert.IsFalse(string.IsNullOrWhiteSpace(key.Description), $"{key.Name} has no description");
        }
    }

    [TestMethod]
    public void KeysAreSpelledAsConfigJsonSpellsThem()
    {
        Assert.AreEqual("n_step", ConfigKeys.ToSnakeCase("NStep"));
        Assert.AreEqual("per_beta_start", ConfigKeys.ToSnakeCase("PerBetaStart"));
        foreach (var key in ConfigKeys.All)
        {
            Assert.AreEqual(System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(key.Property.Name), key.Name, "the key on the command line and in config.json");
        }
        var config = ConfigLoader.Resolve(null, ["n_step=3", "prioritized_replay=true", "per_alpha=0.5", "per_beta_start=0.5", "per_epsilon=1e-5"]);
        Assert.AreEqual(3, config.NStep);
        Assert.IsTrue(config.PrioritizedReplay);
        Assert.AreEqual(0.5, config.PerAlpha);
        Assert.AreEqual(0.5, config.PerBetaStart);
        Assert.AreEqual(1e-5, config.PerEpsilon);
    }
}
