namespace DqnBridge.Cli.Tests;

/// <summary>Bad input is exit 2 with one message, before anything starts.</summary>
[TestClass]
public sealed class UsageErrorTests : TempRunsFolderTestBase
{
    private CliOutput ExpectUsageError(FakeBackend backend, params string[] args)
    {
        var run = CliRun.Invoke(backend, args[0] == "evaluate" ? args : [.. args, RunsDir]);
        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, string.Join(" ", args) + ": " + run.All);
        StringAssert.StartsWith(run.Error, "error: ");
        Assert.AreEqual(1, run.Error.Split("error: ").Length - 1, "one message: " + run.Error);
        Assert.IsFalse(run.HasStackTrace, run.All);
        Assert.IsEmpty(backend.TrainedConfigs, "nothing trained");
        return run;
    }

    [TestMethod]
    [DataRow("learning_rate: [1, 2\n", "did not find expected ',' or ']'")]
    [DataRow("a: 1\na: 2\n", "line 2")]
    [DataRow("{ seed: 1\n", "line")]
    [DataRow("seed: 1\n  bad indent: 2\n", "line 2")]
    [DataRow("? [a, b]\n: 1\n", "line 1")]
    [DataRow("seed: &x 1\nother: *y\n", "anchor 'y'")]
    [DataRow("- 1\n- 2\n", "line 1")]
    [DataRow("seed: 1\n---\nseed: 2\n", "2 YAML documents")]
    [DataRow("env_kwargs:\n  ? [x]\n  : 1\n", "line 2")]
    [DataRow("seed: 1\t# tab\n\tgamma: 0.9\n", "tab")]
    [DataRow("\"unterminated: 1\n", "line")]
    [DataRow("seed: 1\nhidden_sizes: [120, 84\ngamma: 0.9\n", "line 2, column 16")]
    public void EveryYamlParseFailureIsAUsageErrorNamingFileAndLine(string yaml, string where)
    {
        var file = Path.Combine(Runs, "broken.yaml");
        File.WriteAllText(file, yaml);

        var run = ExpectUsageError(new FakeBackend(), "-c", file);

        StringAssert.Contains(run.Error, file);
        StringAssert.Contains(run.Error, where);
    }

    [TestMethod]
    [DataRow("learnig_rate=1", "Did you mean 'learning_rate'?")]
    [DataRow("gamma=2", "gamma must be in [0, 1]")]
    [DataRow("loss=l1", "Bad value 'l1' for loss")]
    [DataRow("-c /no/such.yaml", "'/no/such.yaml' does not exist")]
    [DataRow("--no-such-option", "--no-such-option")]
    [DataRow("seed=-1", "seed must not be negative")]
    [DataRow("seed=2147483647 num_envs=2", "seed must be in [0, 2146983646] with total_timesteps 500000 and num_envs 2")]
    [DataRow("eval_seed=2147483000 eval_frequency=1000", "eval_seed must be in [0, 2146983647] with eval_frequency 1000 and total_timesteps 500000")]
    [DataRow("eval_seed=-1", "eval_seed must not be negative")]
    [DataRow("seed=2147483000 total_timesteps=1000", "seed must be in [0, 2147482647]")]
    [DataRow("num_envs=1025", "num_envs must be at most 1024")]
    [DataRow("num_envs=0", "num_envs must be at least 1")]
    public void BadSettingsAreOneUsageErrorBeforeAnythingStarts(string args, string message)
    {
        StringAssert.Contains(ExpectUsageError(new FakeBackend(), args.Split(' ')).Error, message);
        Assert.IsEmpty(Directory.GetDirectories(Runs), "no run folder");
    }

    [TestMethod]
    public void TheLargestSeedsThatLeaveRoomForEveryDerivedSeedAreAccepted()
    {
        // seed + step + i up to 2147483546 + 100 + 1; eval_seed + the last evaluation step (100).
        var fits = CliRun.Invoke(new FakeBackend(), "seed=2147483546", "num_envs=2", "total_timesteps=100",
            "eval_seed=2147483547", "eval_frequency=50", RunsDir);
        Assert.AreEqual(ExitCodes.Ok, fits.ExitCode, fits.All);

        var oneTooMany = CliRun.Invoke(new FakeBackend(), "seed=2147483546", "num_envs=2", "total_timesteps=100",
            "eval_seed=2147483548", "eval_frequency=50", RunsDir);
        Assert.AreEqual(ExitCodes.UsageError, oneTooMany.ExitCode, oneTooMany.All);
        StringAssert.Contains(oneTooMany.Error, "eval_seed must be in [0, 2147483547]");
    }

    [TestMethod]
    public void AGymnasiumKeywordAsAKeySuggestsEnvKwargs()
    {
        var run = ExpectUsageError(new FakeBackend(), "--env", "CarRacing-v3", "continuous=false");
        StringAssert.Contains(run.Error, "env_kwargs.continuous=false");

        var file = Path.Combine(Runs, "kw.yaml");
        File.WriteAllText(file, "render_mode: rgb_array\n");
        StringAssert.Contains(ExpectUsageError(new FakeBackend(), "-c", file).Error, "env_kwargs.render_mode=rgb_array");
    }

    [TestMethod]
    public void LearningStartsBeyondTheRunIsAWarningNotAnError()
    {
        var backend = new FakeBackend();
        var run = CliRun.Invoke(backend, "total_timesteps=1000", "learning_starts=1000", RunsDir);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "warning: learning_starts (1,000) >= total_timesteps (1,000)");
        Assert.HasCount(1, backend.TrainedConfigs);
    }

    [TestMethod]
    public void VideoWithAWrongExtensionIsAUsageError()
    {
        var checkpoint = Directory.CreateDirectory(Path.Combine(Runs, "checkpoint")).FullName;
        var run = ExpectUsageError(new FakeBackend(), "evaluate", checkpoint, "--video", Path.Combine(Runs, "agent.avi"));
        StringAssert.Contains(run.Error, ".mp4 or .gif");
        Assert.IsFalse(File.Exists(Path.Combine(Runs, "eval_returns.csv")), "a usage error stops before evaluating");
    }

    [TestMethod]
    public void BenchmarkSeedsAndEnvsDoNotSwallowOverrides()
    {
        var backend = new FakeBackend();
        var output = Path.Combine(Runs, "bench");
        var run = CliRun.Invoke(backend, "benchmark", "--envs", "CartPole-v1", "--seeds", "1", "2", "total_timesteps=400", "-o", output, RunsDir);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        CollectionAssert.AreEqual(new[] { 1, 2 }, backend.TrainedConfigs.Select(c => c.Seed).ToArray());
        Assert.IsTrue(backend.TrainedConfigs.All(c => c.TotalTimesteps == 400), "the override reached every run");

        var envsFirst = new FakeBackend();
        var other = CliRun.Invoke(envsFirst, "benchmark", "--seeds", "3", "--envs", "CartPole-v1", "Acrobot-v1", "total_timesteps=200", "-o", output + "2", RunsDir);
        Assert.AreEqual(ExitCodes.Ok, other.ExitCode, other.All);
        CollectionAssert.AreEqual(new[] { "CartPole-v1", "Acrobot-v1" }, envsFirst.TrainedConfigs.Select(c => c.EnvId).ToArray());
        Assert.IsTrue(envsFirst.TrainedConfigs.All(c => c.TotalTimesteps == 200 && c.Seed == 3));

        StringAssert.Contains(ExpectUsageError(new FakeBackend(), "benchmark", "--seeds", "-4", "total_timesteps=200").Error, "seed must not be negative");
    }

    [TestMethod]
    public void BenchmarkChecksEveryEnvironmentIdBeforeTrainingAny()
    {
        var withGymnasium = new FakeBackend
        {
            Listings = [new("CartPole-v1", "native, gymnasium", "Discrete(2)", ""), new("LunarLander-v3", "gymnasium", "Discrete(4)", "")],
        };
        var typo = ExpectUsageError(withGymnasium, "benchmark", "--envs", "CartPole-v1", "LunarLandr-v3", "Acrobot-v1", "total_timesteps=200");
        StringAssert.Contains(typo.Error, "unknown environment 'LunarLandr-v3'. Did you mean LunarLander-v3?");

        var version = ExpectUsageError(new FakeBackend(), "benchmark", "--envs", "CartPole-v1", "Acrobot-v9", "total_timesteps=200");
        StringAssert.Contains(version.Error, "Did you mean Acrobot-v1?");

        var nearBuiltIn = ExpectUsageError(new FakeBackend(), "benchmark", "--envs", "CartPole-v1", "MountainCr-v0", "total_timesteps=200");
        StringAssert.Contains(nearBuiltIn.Error, "'MountainCr-v0'. Did you mean MountainCar-v0?");

        var noGymnasium = new FakeBackend();
        var needsPython = CliRun.Invoke(noGymnasium, "benchmark", "--envs", "CartPole-v1", "LunarLander-v3", "total_timesteps=200", RunsDir);
        Assert.AreEqual(ExitCodes.RuntimeError, needsPython.ExitCode, needsPython.All);
        StringAssert.Contains(needsPython.Error, "LunarLander-v3 needs Gymnasium");
        Assert.IsEmpty(noGymnasium.TrainedConfigs, "nothing trained");
        Assert.IsEmpty(Directory.GetDirectories(Runs));
    }
}
