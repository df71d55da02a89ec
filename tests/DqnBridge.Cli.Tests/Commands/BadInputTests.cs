using DqnBridge.Cli.Benchmarking;
using DqnBridge.Envs;
using DqnBridge.Envs.GymnasiumBackend;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// Bad inputs of docs/exit-codes-and-faults.md that need no real process: each gets its exit code and one message
/// naming the fix, and what a user already has is left as it was.
/// </summary>
[TestClass]
public sealed class BadInputTests : TempRunsFolderTestBase
{
    [TestMethod]
    public void AMistypedCommandSuggestsTheCommand()
    {
        var run = CliRun.Invoke(new FakeBackend(), "evalute", Path.Combine(Runs, "x"));

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "Unknown command 'evalute'. Did you mean `dqnbridge evaluate`?");
        Assert.DoesNotContain("override", run.Error);
    }

    [TestMethod]
    public void ARunNameTooLongForAFolderSaysSoAndTheLimit()
    {
        var backend = new FakeBackend();
        var run = CliRun.Invoke(backend, "total_timesteps=100", RunsDir, "--run-name", new string('n', 300));

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "is too long (300 bytes): a run name is at most 200 bytes");
        Assert.DoesNotContain("writable", run.Error);
        Assert.IsEmpty(backend.TrainedConfigs);
        Assert.IsEmpty(Directory.GetFileSystemEntries(Runs));

        var longest = CliRun.Invoke(new FakeBackend(), "total_timesteps=100", RunsDir, "--run-name", new string('n', RunNames.MaxLength));
        Assert.AreEqual(ExitCodes.Ok, longest.ExitCode, longest.All);
    }

    [TestMethod]
    public void ARunsDirThatIsAFileIsCalledAFile()
    {
        var file = Path.Combine(Runs, "not-a-folder");
        File.WriteAllText(file, "x");

        var run = CliRun.Invoke(new FakeBackend(), "total_timesteps=100", $"runs_dir={file}", "--run-name", "r");

        Assert.AreEqual(ExitCodes.RuntimeError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, $"'{file}' is a file, not a folder.");
        StringAssert.Contains(run.Error, "runs_dir=PATH");
        Assert.AreEqual("x", File.ReadAllText(file));
    }

    [TestMethod]
    [DataRow("env_kwargs.continuous=maybe")]
    [DataRow("env_kwargs.continuous=2")]
    public void ABooleanEnvKwargTakesOnlyTrueOrFalse(string setting)
    {
        var run = CliRun.Invoke(new FakeBackend(), "--env", "LunarLander-v3", setting, RunsDir);

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "for env_kwargs.continuous: expected true or false");

        var file = Path.Combine(Runs, "kwargs.yaml");
        File.WriteAllText(file, "env_kwargs:\n  continuous: maybe\n");
        var fromYaml = CliRun.Invoke(new FakeBackend(), "--env", "LunarLander-v3", "-c", file, RunsDir);
        Assert.AreEqual(ExitCodes.UsageError, fromYaml.ExitCode, fromYaml.All);
        StringAssert.Contains(fromYaml.Error, "for env_kwargs.continuous: expected true or false");
    }

    [TestMethod]
    public void BooleanEnvKwargsAcceptYamlBooleansAndOtherKwargsStayLoose()
    {
        var config = ConfigLoader.Resolve(null, ["env_kwargs.continuous=False", "env_kwargs.enable_wind=yes", "env_kwargs.render_fps=maybe"], "LunarLander-v3");

        Assert.IsFalse((bool)config.EnvKwargs["continuous"]);
        Assert.IsTrue((bool)config.EnvKwargs["enable_wind"]);
        Assert.AreEqual("maybe", config.EnvKwargs["render_fps"], "a kwarg not known to be a bool is passed as text");
    }

    [TestMethod]
    public void ARefusedTrainLeavesTheOldRunsLockFileAsItWas()
    {
        Assert.AreEqual(ExitCodes.Ok, CliRun.Invoke(new FakeBackend(), "total_timesteps=100", RunsDir, "--run-name", "mine").ExitCode);
        var lockFile = Path.Combine(Runs, "mine", RunLock.FileName);
        File.WriteAllText(lockFile, "pid 1 on the-first-host since 2026-12-01 00:00:00 UTC\n");
        var written = File.GetLastWriteTimeUtc(lockFile);

        var refused = CliRun.Invoke(new FakeBackend(), "total_timesteps=100", RunsDir, "--run-name", "mine");

        Assert.AreEqual(ExitCodes.UsageError, refused.ExitCode, refused.All);
        Assert.AreEqual("pid 1 on the-first-host since 2026-12-01 00:00:00 UTC\n", File.ReadAllText(lockFile));
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(lockFile));
    }

    [TestMethod]
    public void BenchmarkMakesEveryEnvironmentBeforeTrainingAnyCell()
    {
        var backend = new FakeBackend
        {
            Listings = [new("CartPole-v1", "native, gymnasium", "Discrete(2)", ""), new("Pendulum-v1", "gymnasium", "-", "")],
            UnusableEnvironments = new Dictionary<string, Exception>
            {
                ["Pendulum-v1"] = new EnvCreationException("Pendulum-v1", EnvProblem.NotDiscreteActions, "DQN needs a discrete action space, but Pendulum-v1 has Box(-2.0, 2.0, (1,), float32)."),
            },
        };

        var run = CliRun.Invoke(backend, "benchmark", "--envs", "CartPole-v1", "Pendulum-v1", "--seeds", "1", "total_timesteps=100",
            "-o", Path.Combine(Runs, "bench"), RunsDir);

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "Pendulum-v1 has Box");
        StringAssert.Contains(run.Error, "DQN trains environments with Discrete actions only");
        CollectionAssert.AreEqual(new[] { "CartPole-v1", "Pendulum-v1" }, backend.CheckedEnvironments);
        Assert.IsEmpty(backend.TrainedConfigs, "no cell trained, CartPole's included");
        Assert.IsFalse(Directory.Exists(Path.Combine(Runs, "bench")), "no benchmark folder");
    }

    [TestMethod]
    public void AnUnknownOrContinuousEnvironmentInTrainIsAUsageErrorWithTheFix()
    {
        var unknown = CliRun.Invoke(new FakeBackend { FailWith = new EnvCreationException("Nope-v0", EnvProblem.UnknownId, "Gymnasium has no environment 'Nope-v0'.") },
            "--env", "Nope-v0", RunsDir);
        Assert.AreEqual(ExitCodes.UsageError, unknown.ExitCode, unknown.All);
        StringAssert.Contains(unknown.Error, "`dqnbridge envs` lists the ids");

        var continuous = CliRun.Invoke(new FakeBackend { FailWith = new EnvCreationException("Pendulum-v1", EnvProblem.NotDiscreteActions, "DQN needs a discrete action space, but Pendulum-v1 has Box(-2.0, 2.0, (1,), float32).") },
            "--env", "Pendulum-v1", RunsDir);
        Assert.AreEqual(ExitCodes.UsageError, continuous.ExitCode, continuous.All);
        StringAssert.Contains(continuous.Error, "Discrete actions only");

        var insideTheEnvironment = CliRun.Invoke(new FakeBackend { FailWith = new EnvCreationException("X-v0", EnvProblem.MakeFailed, "Gymnasium could not make X-v0 with {}: ImportError: no mujoco") },
            "--env", "X-v0", RunsDir);
        Assert.AreEqual(ExitCodes.RuntimeError, insideTheEnvironment.ExitCode, "a missing dependency is not a usage error");
        Assert.IsEmpty(Directory.GetFileSystemEntries(Runs));
    }

    private string BenchmarkOfTwoCells()
    {
        var folder = Path.Combine(Runs, "bench");
        var run = CliRun.Invoke(new FakeBackend(), "benchmark", "--envs", "CartPole-v1", "--seeds", "1", "2", "total_timesteps=400", "-o", folder, RunsDir);
        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        return folder;
    }

    [TestMethod]
    [DataRow("seed", "2", "is for CartPole-v1 seed 2, not this folder's CartPole-v1 seed 1")]
    [DataRow("env_id", "Acrobot-v1", "is for Acrobot-v1 seed 1, not this folder's CartPole-v1 seed 1")]
    [DataRow("last100_mean_return", "NaN", "mean return is NaN")]
    [DataRow("last100_mean_return", "1234.5", "is not the")]
    [DataRow("episodes", "3", "result.csv counts 3 episodes")]
    public void MergeRefusesACellResultThatDisagreesWithItsFolderOrItsRun(string column, string value, string message)
    {
        var folder = BenchmarkOfTwoCells();
        var cell = Path.Combine(folder, "CartPole-v1__seed_1");
        var resultCsv = Path.Combine(cell, CellResult.FileName);
        var lines = File.ReadAllLines(resultCsv);
        var fields = Csv.ParseLine(lines[1]);
        fields[Array.IndexOf(CellResult.Header, column)] = value;
        File.WriteAllLines(resultCsv, [lines[0], string.Join(',', fields)]);
        var mergedBefore = File.ReadAllText(Path.Combine(folder, BenchmarkMerge.ResultsCsv));

        var merge = CliRun.Invoke(new FakeBackend(), "benchmark", "merge", folder);

        Assert.AreEqual(ExitCodes.RuntimeError, merge.ExitCode, merge.All);
        StringAssert.Contains(merge.Error, cell + ": ");
        StringAssert.Contains(merge.Error, message);
        StringAssert.Contains(merge.Error, "delete its cell folder and run the benchmark (or shard) command");
        Assert.AreEqual(mergedBefore, File.ReadAllText(Path.Combine(folder, BenchmarkMerge.ResultsCsv)), "results.csv is not rewritten");
    }

    [TestMethod]
    public void MergeRefusesACellWhoseEpisodesAreGone()
    {
        var folder = BenchmarkOfTwoCells();
        File.Delete(Path.Combine(folder, "CartPole-v1__seed_2", ShardRunner.RunFolderName, TrainingRun.EpisodesFile));

        var merge = CliRun.Invoke(new FakeBackend(), "benchmark", "merge", folder);

        Assert.AreEqual(ExitCodes.RuntimeError, merge.ExitCode, merge.All);
        StringAssert.Contains(merge.Error, "CartPole-v1__seed_2: its run's episodes.csv is missing");
    }

    [TestMethod]
    public void AnInterruptedOverwriteWhoseNewRunHasACheckpointIsNamedWithTheWayBack()
    {
        var folder = Path.Combine(Runs, "mine");
        Directory.CreateDirectory(Path.Combine(folder, "checkpoints", "latest"));
        File.WriteAllText(Path.Combine(folder, TrainingRun.ConfigFile), "seed: 2\n");
        var aside = OverwrittenRuns.AsideOf(folder, 4_000_000);
        Directory.CreateDirectory(aside);
        File.WriteAllText(Path.Combine(aside, "notes.txt"), "the old run");

        var run = CliRun.Invoke(new FakeBackend(), "total_timesteps=100", RunsDir, "--run-name", "mine");

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, $"left the run it replaced in {aside}");
        StringAssert.Contains(run.Error, $"mv {aside} {folder}");
        Assert.AreEqual("the old run", File.ReadAllText(Path.Combine(aside, "notes.txt")), "both runs are kept");
        Assert.IsTrue(Directory.Exists(Path.Combine(folder, "checkpoints", "latest")));
    }

    [TestMethod]
    public void AnOverwriteKilledBeforeItMadeTheNewFolderHasItsOldRunPutBack()
    {
        var folder = Path.Combine(Runs, "mine");
        var aside = OverwrittenRuns.AsideOf(folder, 4_000_001);
        Directory.CreateDirectory(aside);
        File.WriteAllText(Path.Combine(aside, "notes.txt"), "the old run");

        var run = CliRun.Invoke(new FakeBackend(), "total_timesteps=100", RunsDir, "--run-name", "mine");

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, $"had moved the run in {folder} aside to {aside}; it is back in place.");
        StringAssert.Contains(run.Error, "already holds a run");
        Assert.AreEqual("the old run", File.ReadAllText(Path.Combine(folder, "notes.txt")));
        Assert.IsFalse(Directory.Exists(aside));
    }

    [TestMethod]
    public void EvaluateRefusesANegativeSeed()
    {
        var checkpoint = Directory.CreateDirectory(Path.Combine(Runs, "checkpoint")).FullName;

        var run = CliRun.Invoke(new FakeBackend(), "evaluate", checkpoint, "--seed", "-1");

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "--seed must not be negative (it is -1)");
    }

    [TestMethod]
    public void AnOldRunHeldByALiveOverwriteIsLeftToIt()
    {
        var folder = Path.Combine(Runs, "mine");
        var aside = OverwrittenRuns.AsideOf(folder, Environment.ProcessId);
        Directory.CreateDirectory(aside);
        File.WriteAllText(Path.Combine(aside, "notes.txt"), "the old run");
        using var held = RunLock.Acquire(aside);
        var notices = new StringWriter();

        OverwrittenRuns.Recover(folder, notices);

        Assert.IsFalse(Directory.Exists(folder));
        Assert.IsTrue(File.Exists(Path.Combine(aside, "notes.txt")));
        Assert.AreEqual("", notices.ToString());
    }
    [TestMethod]
    [DataRow(true, DisplayName = "killed between moving the new run away and putting the old one back")]
    [DataRow(false, DisplayName = "killed after putting the old run back, before deleting the new one")]
    public void ARecoveryKilledBetweenItsRenamesIsFinishedByTheNextCommand(bool oldRunStillAside)
    {
        // On disk as a recovery (the next command after a killed `train --overwrite`) leaves it when killed itself:
        // it moves the checkpoint-less new run to .mine.overwritten-PID.discarded, the old run back, then deletes the first.
        var folder = Path.Combine(Runs, "mine");
        var aside = OverwrittenRuns.AsideOf(folder, 4_000_002);
        var discarded = aside + OverwrittenRuns.DiscardedSuffix;
        Directory.CreateDirectory(Path.Combine(discarded, "tensorboard"));
        File.WriteAllText(Path.Combine(discarded, TrainingRun.ConfigFile), "seed: 2\n");
        string oldRun = oldRunStillAside ? aside : folder;
        Directory.CreateDirectory(oldRun);
        File.WriteAllText(Path.Combine(oldRun, "notes.txt"), "the old run");

        var run = CliRun.Invoke(new FakeBackend(), "total_timesteps=100", RunsDir, "--run-name", "mine");

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, "already holds a run");
        StringAssert.Contains(run.Error, $"Removed {discarded}: the new run of an interrupted `train --overwrite` that never reached its first checkpoint");
        Assert.AreEqual("the old run", File.ReadAllText(Path.Combine(folder, "notes.txt")), "the old run is in place");
        Assert.IsFalse(Directory.Exists(aside));
        Assert.IsFalse(Directory.Exists(discarded), "no hidden copy is left");
    }

    [TestMethod]
    public void ADiscardedNewRunWhoseOldRunCannotBePutBackIsNamed()
    {
        // The old run is still aside because the run name now holds a third run with a checkpoint.
        var folder = Path.Combine(Runs, "mine");
        Directory.CreateDirectory(Path.Combine(folder, "checkpoints", "latest"));
        File.WriteAllText(Path.Combine(folder, TrainingRun.ConfigFile), "seed: 3\n");
        var aside = OverwrittenRuns.AsideOf(folder, 4_000_003);
        Directory.CreateDirectory(aside);
        File.WriteAllText(Path.Combine(aside, "notes.txt"), "the old run");
        var discarded = Directory.CreateDirectory(aside + OverwrittenRuns.DiscardedSuffix).FullName;
        var notices = new StringWriter();

        OverwrittenRuns.Recover(folder, notices);

        StringAssert.Contains(notices.ToString(), $"left the run it replaced in {aside}");
        StringAssert.Contains(notices.ToString(), $"left {discarded}, the new run that never reached its first checkpoint");
        StringAssert.Contains(notices.ToString(), $"rm -r {discarded}");
        Assert.IsTrue(Directory.Exists(discarded), "named, not deleted, while its old run is not back");
        Assert.IsTrue(File.Exists(Path.Combine(aside, "notes.txt")));
    }
}
