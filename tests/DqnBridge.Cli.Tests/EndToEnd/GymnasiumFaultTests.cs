namespace DqnBridge.Cli.Tests;

/// <summary>
/// Custom environments and faults on the Gymnasium backend, with a small env package each test writes: a registered
/// env loaded by `--env module:EnvId-v0` or `env_modules`, one whose step raises (the run keeps the state before
/// that step and resumes exactly once the fault is gone), an internal error after the environments stepped, and
/// Ctrl+C or SIGTERM to the whole process group with async workers and with ALE's vector environment. Inconclusive
/// when the suite's Python lacks Gymnasium (or ale-py with the Tetris ROM, for ALE).
/// </summary>
[TestClass]
public sealed class GymnasiumFaultTests : TempRunsFolderTestBase
{
    /// <summary>Raises in step when FAULTY_ENV_FAIL_AT names this process's step count (counted over all envs).</summary>
    private const string EnvModule = """
        import os
        import gymnasium
        from gymnasium.envs.classic_control.cartpole import CartPoleEnv

        class FaultyCartPole(CartPoleEnv):
            steps = 0

            def step(self, action):
                FaultyCartPole.steps += 1
                if str(FaultyCartPole.steps) == os.environ.get("FAULTY_ENV_FAIL_AT"):
                    raise RuntimeError(f"test fault at step {FaultyCartPole.steps}")
                return super().step(action)

        gymnasium.register("FaultyCartPole-v0", entry_point=FaultyCartPole, max_episode_steps=500)
        """;

    private string _packages = "";

    /// <summary>Writes the package test_envs_pkg (module test_envs_pkg.envs) into a folder for PYTHONPATH.</summary>
    private void WritePackage()
    {
        _packages = Path.Combine(Runs, "packages");
        string package = Directory.CreateDirectory(Path.Combine(_packages, "test_envs_pkg")).FullName;
        File.WriteAllText(Path.Combine(package, "__init__.py"), "");
        File.WriteAllText(Path.Combine(package, "envs.py"), EnvModule);
    }

    private Dictionary<string, string?> Environment(string? failAt = null) => new()
    {
        ["DQNBRIDGE_PYTHON"] = TestPython.Embedded,
        ["DQNBRIDGE_DEBUG"] = "0",
        ["PYTHONPATH"] = _packages,
        ["FAULTY_ENV_FAIL_AT"] = failAt,
    };

    private string[] Settings(string envId, string vectorization, int numEnvs, int steps, string name, params string[] more) =>
    [
        "--env", envId, "backend=gymnasium", $"vectorization={vectorization}", "seed=3", $"num_envs={numEnvs}", $"total_timesteps={steps}",
        "learning_starts=300", "train_frequency=4", "target_network_frequency=250", "buffer_size=5000", "batch_size=32",
        "hidden_sizes=[32, 32]", "tensorboard=false", RunsDir, $"exp_name={name}", .. more,
    ];

    private string RunFolder(string name) => Directory.GetDirectories(Runs, $"*__{name}__*").Single();

    [TestInitialize]
    public void RequireGymnasium()
    {
        TestPython.RequireGymnasium(TestPython.Imports(TestPython.Embedded, "gymnasium"));
        WritePackage();
    }

    [TestMethod]
    [DataRow("test_envs_pkg.envs:FaultyCartPole-v0", "sync", 1)]
    [DataRow("test_envs_pkg.envs:FaultyCartPole-v0", "async", 2)]
    [DataRow("FaultyCartPole-v0", "sync", 1, "env_modules=[test_envs_pkg.envs]")]
    [DataRow("FaultyCartPole-v0", "async", 2, "env_modules=[test_envs_pkg.envs]")]
    public void CustomEnvironmentTrains(string envId, string vectorization, int numEnvs, params string[] more)
    {
        var run = CliProcess.Run(Environment(), Settings(envId, vectorization, numEnvs, 600, "custom", more));
        Assert.AreEqual(0, run.ExitCode, run.All);
        Assert.IsGreaterThan(1, File.ReadAllLines(Path.Combine(RunFolder("custom"), "episodes.csv")).Length, "episodes finished");
    }

    [TestMethod]
    public void AnAtariIdWithoutItsRomIsOneLineNamingTheRomAndTheFix()
    {
        TestPython.RequireGymnasium(TestPython.Imports(TestPython.Embedded, "ale_py"));
        string emptyRoms = Directory.CreateDirectory(Path.Combine(Runs, "no-roms")).FullName;
        var environment = Environment();
        environment["ALE_ROMS_DIR"] = emptyRoms;

        var run = CliProcess.Run(environment, Settings("ALE/Tetris-v5", "sync", 1, 600, "norom"));

        Assert.AreEqual(1, run.ExitCode, run.All);
        StringAssert.Contains(run.All, $"no ROM for 'tetris' in {emptyRoms}");
        StringAssert.Contains(run.All, "tetris.bin");
        Assert.DoesNotContain("Traceback", run.All, "no Python traceback");
        Assert.DoesNotContain("A.L.E", run.All, "ALE's banner stays out: the env is not made");
    }

    [TestMethod]
    public void UnimportableEnvModuleNamesTheModuleAndTheFix()
    {
        var run = CliProcess.Run(Environment(), Settings("FaultyCartPole-v0", "sync", 1, 600, "missing", "env_modules=[no_such_pkg.envs]"));
        Assert.AreNotEqual(0, run.ExitCode);
        StringAssert.Contains(run.Error, "could not import the module 'no_such_pkg.envs'");
        StringAssert.Contains(run.Error, "PYTHONPATH");
        Assert.IsFalse(run.HasStackTrace, run.All);
    }

    [TestMethod]
    [DataRow("sync", 1, 1499)]
    [DataRow("sync", 2, 749, DisplayName = "sync, 2 envs: the second raises after the first stepped")]
    [DataRow("async", 2, 1499)]
    public void StepErrorKeepsTheStateBeforeItAndResumeEqualsTheUninterruptedRun(string vectorization, int numEnvs, int failingStep)
    {
        string[] settings(string name) => Settings("FaultyCartPole-v0", vectorization, numEnvs, 3000, name, "env_modules=[test_envs_pkg.envs]");
        var whole = CliProcess.Run(Environment(), settings("whole"));
        Assert.AreEqual(0, whole.ExitCode, whole.All);

        // The 1500th step of a process's envs raises: with one env, global step 1499; with two in one process, the second
        // env's step of global step 749; with async workers (each counts its own steps), both on step 1499. The steps
        // before it are checkpointed.
        var failed = CliProcess.Run(Environment(failAt: "1500"), settings("failed"));
        Assert.AreEqual(ExitCodes.RuntimeError, failed.ExitCode, failed.All);
        StringAssert.Contains(failed.Error, $"Training failed at step {failingStep}");
        StringAssert.Contains(failed.Error, "RuntimeError: test fault at step 1500");
        StringAssert.Contains(failed.Error, "Python traceback:");
        StringAssert.Contains(failed.Error, Path.Combine("test_envs_pkg", "envs.py") + "\", line 11, in step",
            "the traceback points into the env's own file, in the worker process too");
        StringAssert.Contains(failed.Error, $"saved in {Path.Combine(RunFolder("failed"), "checkpoints", "latest")}");
        StringAssert.Contains(failed.Error, "dqnbridge resume");
        Assert.IsFalse(failed.HasStackTrace, failed.All);
        Assert.DoesNotContain("UserWarning", failed.All, "Gymnasium does not print the worker's traceback a second time");

        // The fault removed, resume takes the failed step again and ends as the uninterrupted run did.
        var resumed = CliProcess.Run(Environment(), "resume", RunFolder("failed"));
        Assert.AreEqual(0, resumed.ExitCode, resumed.All);
        CollectionAssert.AreEqual(
            EpisodesWithoutWallTime(Path.Combine(RunFolder("whole"), "episodes.csv")),
            EpisodesWithoutWallTime(Path.Combine(RunFolder("failed"), "episodes.csv")));
    }

    [TestMethod]
    [DataRow("INT", ExitCodes.Cancelled)]
    [DataRow("TERM", ExitCodes.Terminated)]
    public void SignalToTheProcessGroupWithAsyncWorkersCheckpointsAndResumesExactly(string signal, int exitCode)
    {
        StopTheGroupThenResume(name => Settings("CartPole-v1", "async", 2, 20000, name), signal, exitCode, stopped =>
        {
            Assert.DoesNotContain("Traceback", stopped.All, "the workers leave the signal to the parent");
            Assert.DoesNotContain("KeyboardInterrupt", stopped.All);
            Assert.IsTrue(Directory.Exists(Path.Combine(RunFolder("stopped"), "checkpoints", "latest")), stopped.All);
        });
    }

    /// <summary>
    /// Trains the run <paramref name="settings"/> names "whole" to the end; trains it again as "stopped" in its own process
    /// group and sends <paramref name="signal"/> to the whole group at the first progress line (as a terminal's Ctrl+C
    /// or a scheduler does); checks the exit code and <paramref name="checkStopped"/>; then resumes "stopped" and
    /// compares its episodes with the uninterrupted run's.
    /// </summary>
    private void StopTheGroupThenResume(Func<string, string[]> settings, string signal, int exitCode, Action<CliOutput> checkStopped)
    {
        var whole = CliProcess.Run(Environment(), settings("whole"));
        Assert.AreEqual(0, whole.ExitCode, whole.All);

        CliOutput stopped;
        using (var cli = CliProcess.StartInOwnProcessGroup(TestPython.Embedded, Environment(), settings("stopped")))
        {
            cli.WaitUntil(() => ("\n" + cli.Output).Contains("\nstep ", StringComparison.Ordinal), TimeSpan.FromMinutes(10), "a progress line");
            cli.SignalGroup(signal);
            stopped = cli.WaitForExit(TimeSpan.FromMinutes(10));
        }
        Assert.AreEqual(exitCode, stopped.ExitCode, stopped.All);
        checkStopped(stopped);

        var resumed = CliProcess.Run(Environment(), "resume", RunFolder("stopped"));
        Assert.AreEqual(0, resumed.ExitCode, resumed.All);
        CollectionAssert.AreEqual(
            EpisodesWithoutWallTime(Path.Combine(RunFolder("whole"), "episodes.csv")),
            EpisodesWithoutWallTime(Path.Combine(RunFolder("stopped"), "episodes.csv")));
    }

    [TestMethod]
    [DataRow("sync", 1)]
    [DataRow("async", 2)]
    public void AnInternalErrorAfterTheEnvironmentsSteppedKeepsTheStepBeforeAndResumeEqualsTheUninterruptedRun(string vectorization, int numEnvs)
    {
        string[] settings(string name) => Settings("CartPole-v1", vectorization, numEnvs, 3000, name);
        var whole = CliProcess.Run(Environment(), settings("whole"));
        Assert.AreEqual(0, whole.ExitCode, whole.All);

        // Fail while storing the transitions of a step that ended an episode: the envs restarted a game on it, so the
        // checkpoint needs each env's game start as it was before that step.
        long failingStep = TrainingRun.ReadEpisodes(Path.Combine(RunFolder("whole"), "episodes.csv")).Select(e => e.GlobalStep).First(step => step > 1000);
        var environment = Environment();
        environment["DQNBRIDGE_TEST_FAIL_AT"] = $"store:{failingStep}";
        var failed = CliProcess.Run(environment, settings("failed"));
        Assert.AreEqual(ExitCodes.RuntimeError, failed.ExitCode, failed.All);
        StringAssert.Contains(failed.Error, $"Training failed at step {failingStep}: test fault injected at 'store'");
        StringAssert.Contains(failed.Error, $"The {failingStep} steps before it are saved in");
        Assert.AreEqual(failingStep, Checkpoint.Load(Path.Combine(RunFolder("failed"), "checkpoints", "latest")).State.NextStep);

        var resumed = CliProcess.Run(Environment(), "resume", RunFolder("failed"));
        Assert.AreEqual(0, resumed.ExitCode, resumed.All);
        CollectionAssert.AreEqual(
            EpisodesWithoutWallTime(Path.Combine(RunFolder("whole"), "episodes.csv")),
            EpisodesWithoutWallTime(Path.Combine(RunFolder("failed"), "episodes.csv")));
    }

    [TestMethod]
    [DataRow("INT", ExitCodes.Cancelled)]
    [DataRow("TERM", ExitCodes.Terminated)]
    public void SignalToTheProcessGroupWithAleVectorizationCheckpointsAndResumesExactly(string signal, int exitCode)
    {
        bool tetris = TestPython.Imports(TestPython.Embedded, "ale_py")
            && TestPython.Runs(TestPython.Embedded,
                "import os, ale_py.roms as r; raise SystemExit(not os.path.isfile(os.path.join(os.environ.get('ALE_ROMS_DIR') or os.path.dirname(r.__file__), 'tetris.bin')))");
        TestPython.RequireGymnasium(tetris, "ale-py with its Tetris ROM");
        StopTheGroupThenResume(name => Settings("ALE/Tetris-v5", "ale", 2, 1500, name, "batch_size=8", "buffer_size=2000"), signal, exitCode, stopped =>
        {
            StringAssert.Contains(stopped.All, "checkpoint written to");
            Assert.DoesNotContain("Traceback", stopped.All);
            long stoppedAt = Checkpoint.Load(Path.Combine(RunFolder("stopped"), "checkpoints", "latest")).State.NextStep;
            Assert.IsLessThan(1500L, stoppedAt, "stopped before the end");
        });
    }
}
