namespace DqnBridge.Cli.Tests;

/// <summary>`train` (and the default command): the run folder, its files, the summary, Ctrl+C, and what stops it before it starts.</summary>
[TestClass]
public sealed class TrainCommandTests : TempRunsFolderTestBase
{
    [TestMethod]
    public void TrainWritesTheRunFolderAndASummary()
    {
        var backend = new FakeBackend();
        var run = CliRun.Invoke(backend, "--env", "CartPole-v1", "total_timesteps=2000", RunsDir);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        var runDirectory = Directory.GetDirectories(Runs).Single();
        StringAssert.Matches(Path.GetFileName(runDirectory), new System.Text.RegularExpressions.Regex(@"^CartPole-v1__dqn__1__\d+$"));
        Assert.AreEqual(2000L, backend.TrainedConfigs.Single().TotalTimesteps);

        var config = File.ReadAllText(Path.Combine(runDirectory, TrainingRun.ConfigFile));
        StringAssert.Contains(config, "total_timesteps: 2000");
        var png = File.ReadAllBytes(Path.Combine(runDirectory, TrainingRun.CurveFile));
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        StringAssert.Contains(run.Output, "step 2,000/2,000");
        StringAssert.Contains(run.Output, "Training finished.");
        StringAssert.Contains(run.Output, "mean return");
        StringAssert.Contains(run.Output, "dqnbridge evaluate");
    }

    [TestMethod]
    public void AutoSaysWhenComponentsTakeTheReferencePathAndFusedRefusesThem()
    {
        var run = CliRun.Invoke(new FakeBackend(), "--env", "CartPole-v1", "total_timesteps=500", "dueling=true", "noisy=true", RunsDir);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "update_path = auto: the reference update path runs (dueling = true, noisy = true is not covered by the fused path).");

        var refused = CliRun.Invoke(new FakeBackend(), "--env", "CartPole-v1", "total_timesteps=500", "noisy=true", "update_path=fused", RunsDir);
        Assert.AreEqual(ExitCodes.UsageError, refused.ExitCode, refused.All);
        StringAssert.Contains(refused.Error, "update_path = fused covers plain DQN only; noisy = true needs update_path=reference (or auto, which picks it)");
        Assert.IsFalse(refused.HasStackTrace, refused.All);
    }

    [TestMethod]
    public void TrainSubcommandAndConfigFileWork()
    {
        var file = Path.Combine(Runs, "my.yaml");
        File.WriteAllText(file, "total_timesteps: 400\nseed: 3\n");
        var backend = new FakeBackend();

        var run = CliRun.Invoke(backend, "train", "-c", file, "--run-name", "ALE/odd name", RunsDir);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        Assert.AreEqual(3, backend.TrainedConfigs.Single().Seed);
        Assert.IsTrue(Directory.Exists(Path.Combine(Runs, "ALE-odd-name")), run.All);
    }

    [TestMethod]
    public void UnwritableOutputFolderIsAClearError()
    {
        var blocker = Path.Combine(Runs, "a-file");
        File.WriteAllText(blocker, "");

        var run = CliRun.Invoke(new FakeBackend(), $"runs_dir={blocker}", "total_timesteps=100");

        Assert.AreEqual(ExitCodes.RuntimeError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "Cannot make the run folder");
        StringAssert.Contains(run.Error, $"'{blocker}' is a file, not a folder.");
        StringAssert.Contains(run.Error, "runs_dir=");
        Assert.IsFalse(run.HasStackTrace, run.All);
    }

    [TestMethod]
    public void CtrlCWritesACheckpointAndExits130()
    {
        var run = CliRun.Invoke(new FakeBackend { CancelAfterSteps = 500 }, "total_timesteps=2000", RunsDir);

        Assert.AreEqual(ExitCodes.Cancelled, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "Training interrupted.");
        StringAssert.Contains(run.Error, "checkpoint written to");
        StringAssert.Contains(run.Output, "episodes       25");
    }

    [TestMethod]
    public void AnUnknownBuiltInEnvironmentIsAClearErrorWithSuggestions()
    {
        // Another version of a built-in name is a usage error before anything starts, with or without Python.
        foreach (var backendChoice in new[] { "backend=native", "backend=auto", "backend=gymnasium" })
        {
            var backend = new FakeBackend();
            var run = CliRun.Invoke(backend, "--env", "CartPole-v9", backendChoice, RunsDir);

            Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
            StringAssert.Contains(run.Error, "Unknown environment 'CartPole-v9'. Did you mean CartPole-v0 or CartPole-v1?");
            Assert.IsFalse(run.HasStackTrace, run.All);
            Assert.IsEmpty(backend.TrainedConfigs);
        }
        var typo = CliRun.Invoke(AgentBackend.OnEnvironmentLayer(_ => { }), "--env", "CartPol-v1", "backend=native", RunsDir);
        Assert.AreEqual(ExitCodes.UsageError, typo.ExitCode, typo.All);
        StringAssert.Contains(typo.Error, "CartPole-v1");
        StringAssert.Contains(typo.Error, "`dqnbridge envs` lists the ids");
        Assert.IsEmpty(Directory.GetDirectories(Runs));
    }
}
