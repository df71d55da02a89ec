namespace DqnBridge.Cli.Tests;

/// <summary>
/// Fault and bad-input cases of docs/exit-codes-and-faults.md that need the real binary: a `train --overwrite` killed
/// (SIGKILL) at the moment it has moved the old run aside, a resume of a finished run, a `python` that does not
/// exist, unknown and continuous environments, an internal error after the environments stepped.
/// </summary>
[TestClass]
public sealed class FaultProcessTests : TempRunsFolderTestBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [TestInitialize]
    public void RequirePosix()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("SIGKILL and flock are Linux features");
        }
    }

    private string[] ShortRun(string runName, params string[] more) =>
    [
        "train", "--env", "CartPole-v1", "backend=native", "total_timesteps=300", "learning_starts=100", RunsDir, "--run-name", runName, .. more,
    ];

    /// <summary>Every file of a folder with its bytes and write time (lock file included).</summary>
    private static Dictionary<string, (string, DateTime)> Snapshot(string folder) => Directory
        .GetFiles(folder, "*", SearchOption.AllDirectories)
        .ToDictionary(f => Path.GetRelativePath(folder, f), f => (Convert.ToBase64String(File.ReadAllBytes(f)), File.GetLastWriteTimeUtc(f)));

    [TestMethod]
    [DataRow("train")]
    [DataRow("train --overwrite")]
    [DataRow("resume")]
    [DataRow("evaluate")]
    public void AnOverwriteKilledRightAfterMovingTheOldRunAsideIsRecoveredByTheNextCommand(string next)
    {
        var folder = Path.Combine(Runs, "mine");
        var first = CliProcess.Run(CliProcess.WithoutPython, ShortRun("mine"));
        Assert.AreEqual(ExitCodes.Ok, first.ExitCode, first.All);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "from the old run");

        int killedPid;
        var holdAfterTheSwap = new Dictionary<string, string?>(CliProcess.WithoutPython) { [TestHooks.Variable] = TestHooks.OverwriteSwapped };
        using (var overwrite = CliProcess.Start(holdAfterTheSwap, ShortRun("mine", "--overwrite", "seed=2")))
        {
            killedPid = overwrite.Id;
            overwrite.WaitUntil(() => overwrite.Output.Contains($"test hook: holding at {TestHooks.OverwriteSwapped}", StringComparison.Ordinal),
                Timeout, "the moment after the old run was moved aside");
            overwrite.Kill();
        }
        var aside = OverwrittenRuns.AsideOf(folder, killedPid);
        Assert.IsTrue(File.Exists(Path.Combine(aside, "notes.txt")), "the kill left the old run in the hidden folder");
        Assert.IsFalse(File.Exists(Path.Combine(folder, "notes.txt")));

        string[] args = next switch
        {
            "train" => ShortRun("mine"),
            "train --overwrite" => ShortRun("mine", "--overwrite"),
            "resume" => ["resume", folder],
            _ => ["evaluate", folder, "--episodes", "1"],
        };
        var after = CliProcess.Run(CliProcess.WithoutPython, args);

        StringAssert.Contains(after.All, $"had moved the run in {folder} aside to {aside}");
        StringAssert.Contains(after.All, "the old run is back in place");
        Assert.IsFalse(Directory.Exists(aside), "no hidden copy is left");
        Assert.IsEmpty(Directory.GetDirectories(Runs, ".*"), "nothing hidden is left");
        switch (next)
        {
            case "train":
                Assert.AreEqual(ExitCodes.UsageError, after.ExitCode, after.All);
                Assert.AreEqual("from the old run", File.ReadAllText(Path.Combine(folder, "notes.txt")));
                break;
            case "train --overwrite":
                Assert.AreEqual(ExitCodes.Ok, after.ExitCode, after.All);
                Assert.IsFalse(File.Exists(Path.Combine(folder, "notes.txt")), "the requested overwrite replaced the restored run");
                break;
            case "resume":
                Assert.AreEqual(ExitCodes.Ok, after.ExitCode, after.All);
                StringAssert.Contains(after.Output, "has already finished");
                Assert.AreEqual("from the old run", File.ReadAllText(Path.Combine(folder, "notes.txt")));
                break;
            default:
                Assert.AreEqual(ExitCodes.Ok, after.ExitCode, after.All);
                StringAssert.Contains(after.Output, "Returns written to");
                Assert.AreEqual("from the old run", File.ReadAllText(Path.Combine(folder, "notes.txt")));
                StringAssert.Contains(File.ReadAllText(Path.Combine(folder, TrainingRun.ConfigFile)), "seed: 1");
                break;
        }
    }

    [TestMethod]
    public void ResumingAFinishedRunSaysSoAndChangesNothing()
    {
        var folder = Path.Combine(Runs, "done");
        var train = CliProcess.Run(CliProcess.WithoutPython, ShortRun("done", "tensorboard=true"));
        Assert.AreEqual(ExitCodes.Ok, train.ExitCode, train.All);
        var before = Snapshot(folder);

        var resume = CliProcess.Run(CliProcess.WithoutPython, "resume", folder);

        Assert.AreEqual(ExitCodes.Ok, resume.ExitCode, resume.All);
        StringAssert.Contains(resume.Output, $"Run {folder} has already finished: it trained all 300 steps (total_timesteps)");
        StringAssert.Contains(resume.Output, $"dqnbridge evaluate {folder}");
        CollectionAssert.AreEquivalent(before.ToList(), Snapshot(folder).ToList(), "no checkpoint, TensorBoard or lock file written");
    }

    [TestMethod]
    public void AnExplicitPythonThatDoesNotExistIsAUsageErrorNotAFallBack()
    {
        var run = CliProcess.Run(CliProcess.WithoutPython, "--env", "CartPole-v1", "python=/nonexistent/python3", "total_timesteps=300", RunsDir);

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "python=/nonexistent/python3 cannot be used");
        Assert.DoesNotContain("using the built-in environment", run.All);
        Assert.IsEmpty(Directory.GetFileSystemEntries(Runs));
    }

    [TestMethod]
    public void AnUnknownBuiltInIdInTrainIsAUsageError()
    {
        var run = CliProcess.Run(CliProcess.WithoutPython, "--env", "Nope-v0", "backend=native", RunsDir);

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "There is no built-in environment 'Nope-v0'");
        StringAssert.Contains(run.Error, "`dqnbridge envs` lists the ids");
        Assert.IsEmpty(Directory.GetFileSystemEntries(Runs));
    }

    [TestMethod]
    public void ANetworkThatDoesNotFitThePreprocessingIsAUsageErrorBeforeAnyBenchmarkCell()
    {
        var train = CliProcess.Run(CliProcess.WithoutPython, "--env", "CartPole-v1", "backend=native", "network=nature_cnn", "total_timesteps=300", RunsDir);
        Assert.AreEqual(ExitCodes.UsageError, train.ExitCode, train.All);
        StringAssert.Contains(train.Error, "CartPole-v1 with wrappers=none does not fit network=nature_cnn: The Nature CNN needs observations of shape (stack, 84, 84); got (4).");
        StringAssert.Contains(train.Error, "Use network=mlp");
        Assert.IsEmpty(Directory.GetFileSystemEntries(Runs));

        var bench = Path.Combine(Runs, "bench");
        var benchmark = CliProcess.Run(CliProcess.WithoutPython, "benchmark", "--envs", "Acrobot-v1", "CartPole-v1", "--seeds", "1",
            "backend=native", "network=nature_cnn", "total_timesteps=300", "-o", bench, RunsDir);
        Assert.AreEqual(ExitCodes.UsageError, benchmark.ExitCode, benchmark.All);
        StringAssert.Contains(benchmark.Error, "Acrobot-v1 with wrappers=none does not fit network=nature_cnn");
        Assert.IsFalse(Directory.Exists(bench), "no cell trained");
    }

    [TestMethod]
    public void AContinuousGymnasiumEnvironmentIsAUsageErrorInTrainAndBeforeAnyBenchmarkCell()
    {
        TestPython.RequireGymnasium(TestPython.Imports(TestPython.Embedded, "gymnasium"));

        var train = CliProcess.Run(CliProcess.WithSuitePython, "--env", "Pendulum-v1", RunsDir);
        Assert.AreEqual(ExitCodes.UsageError, train.ExitCode, train.All);
        StringAssert.Contains(train.Error, "DQN needs a discrete action space, but Pendulum-v1 has Box");
        StringAssert.Contains(train.Error, "Discrete actions only");

        var unknown = CliProcess.Run(CliProcess.WithSuitePython, "--env", "CartPoleX-v1", RunsDir);
        Assert.AreEqual(ExitCodes.UsageError, unknown.ExitCode, unknown.All);
        StringAssert.Contains(unknown.Error, "Gymnasium has no environment 'CartPoleX-v1'");

        var bench = Path.Combine(Runs, "bench");
        var benchmark = CliProcess.Run(CliProcess.WithSuitePython, "benchmark", "--envs", "CartPole-v1", "Pendulum-v1", "--seeds", "1",
            "total_timesteps=300", "-o", bench, RunsDir);
        Assert.AreEqual(ExitCodes.UsageError, benchmark.ExitCode, benchmark.All);
        StringAssert.Contains(benchmark.Error, "Pendulum-v1 has Box");
        Assert.IsFalse(Directory.Exists(bench), "CartPole's cell did not train first");
        Assert.IsEmpty(Directory.GetFileSystemEntries(Runs));
    }

    private const string PrioritizedNStep = "n_step=3 prioritized_replay=true";
    private const string NoisyC51Dueling = "noisy=true distributional=c51 dueling=true";

    /// <summary>
    /// A CartPole run whose 2 envs fill a small replay buffer (1000) long before the fault, so that a step that fails
    /// after storing a transition has overwritten old ones; TensorBoard logs every 5th update. <paramref name="settings"/>
    /// are more key=value overrides, space-separated.
    /// </summary>
    private string[] FaultRun(string runName, string settings) =>
    [
        "train", "--env", "CartPole-v1", "backend=native", "num_envs=2", "buffer_size=1000", "total_timesteps=5000",
        "learning_starts=500", "train_frequency=2", "checkpoint_frequency=0", "tensorboard=true", "log_frequency=5", RunsDir,
        .. settings.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--run-name", runName,
    ];

    [TestMethod]
    [DataRow("store", 3001L, "", DisplayName = "storing the transitions (one of two stored)")]
    [DataRow("update", 3002L, "", DisplayName = "the network update (gradients computed, not applied)")]
    [DataRow("log", 3010L, "", DisplayName = "logging the update to TensorBoard")]
    // n-step queues and sum-tree priorities (new transitions' and max priority) are part of what a failed step takes back.
    [DataRow("store", 3001L, PrioritizedNStep, DisplayName = "storing the transitions, 3-step returns by priority")]
    [DataRow("update", 3002L, PrioritizedNStep, DisplayName = "the network update, 3-step returns by priority")]
    [DataRow("log", 3010L, PrioritizedNStep, DisplayName = "logging the update, 3-step returns by priority")]
    // Noisy nets draw noise before the action and again before the update: a failed step takes the draws back too.
    [DataRow("store", 3001L, NoisyC51Dueling, DisplayName = "storing the transitions, noisy C51 with dueling heads")]
    [DataRow("update", 3002L, NoisyC51Dueling, DisplayName = "the network update, noisy C51 with dueling heads")]
    public void AnInternalErrorAfterTheEnvironmentsSteppedKeepsTheStepBeforeAndResumeEqualsTheUninterruptedRun(string phase, long failingStep, string settings)
    {
        var whole = CliProcess.Run(CliProcess.WithoutPython, FaultRun("whole", settings));
        Assert.AreEqual(ExitCodes.Ok, whole.ExitCode, whole.All);

        // The test-only hook throws at the first such point of a step >= 3001 (update: odd steps do not train; log:
        // every 5th update).
        var environment = new Dictionary<string, string?>(CliProcess.WithoutPython) { ["DQNBRIDGE_TEST_FAIL_AT"] = $"{phase}:3001" };
        string failed = Path.Combine(Runs, "failed");
        var run = CliProcess.Run(environment, FaultRun("failed", settings));

        Assert.AreEqual(ExitCodes.RuntimeError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, $"Training failed at step {failingStep}: test fault injected at '{phase}'");
        StringAssert.Contains(run.Error, $"The {failingStep} steps before it are saved in {Path.Combine(failed, "checkpoints", "latest")}");
        StringAssert.Contains(run.Error, $"dqnbridge resume {failed}");
        Assert.IsFalse(run.HasStackTrace, run.All);
        Assert.AreEqual(failingStep, Checkpoint.Load(Path.Combine(failed, "checkpoints", "latest")).State.NextStep,
            "the checkpoint is the state before the failed step");

        var resumed = CliProcess.Run(CliProcess.WithoutPython, "resume", failed);
        Assert.AreEqual(ExitCodes.Ok, resumed.ExitCode, resumed.All);
        CollectionAssert.AreEqual(EpisodesWithoutWallTime(Path.Combine(Runs, "whole", "episodes.csv")),
            EpisodesWithoutWallTime(Path.Combine(failed, "episodes.csv")), "the resumed run equals the uninterrupted one");
    }
}
