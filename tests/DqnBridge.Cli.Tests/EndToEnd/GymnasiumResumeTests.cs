namespace DqnBridge.Cli.Tests;

/// <summary>
/// Exact resume on the Gymnasium backend, as a user does it: `dqnbridge train` stopped by SIGINT (Ctrl+C) or SIGTERM
/// part way, then `dqnbridge resume`, writes the uninterrupted run's episodes.csv (all columns but wall_time). The CLI runs as
/// a child process, so its Python (the one DQNBRIDGE_PYTHON names) never meets the interpreter other tests embed.
/// Inconclusive when that Python lacks Gymnasium (or Box2D for LunarLander).
/// </summary>
[TestClass]
public sealed class GymnasiumResumeTests : TempRunsFolderTestBase
{
    /// <summary>Runs the CLI to the end; with a <paramref name="signal"/>, sends it once the run holds after its 20th episode.</summary>
    private static CliOutput RunCli(string? signal, params string[] args)
    {
        using var cli = CliProcess.Start(signal is null ? CliProcess.WithSuitePython : ProcessTests.HoldingAtEpisode(CliProcess.WithSuitePython, 20), args);
        if (signal is not null)
        {
            cli.WaitUntil(() => ProcessTests.IsHolding(cli, 20), TimeSpan.FromMinutes(10), "the run to hold at episode 20");
            cli.Signal(signal);
        }
        return cli.WaitForExit(TimeSpan.FromMinutes(20));
    }

    [TestMethod]
    [DataRow("CartPole-v1", "gymnasium", 1, 40000, "sync", "INT", ExitCodes.Cancelled)]
    [DataRow("LunarLander-v3", "gymnasium, Box2D", 2, 12000, "sync", "INT", ExitCodes.Cancelled)]
    [DataRow("CartPole-v1", "gymnasium", 2, 30000, "async", "TERM", ExitCodes.Terminated)]
    public void StoppedAndResumedGivesTheUninterruptedEpisodes(string envId, string modules, int numEnvs, int steps, string vectorization, string signal, int exitCode)
    {
        TestPython.RequireGymnasium(TestPython.Imports(TestPython.Embedded, modules.Split(", ")), modules);
        string[] settings =
        [
            "--env", envId, "backend=gymnasium", $"vectorization={vectorization}", "seed=3", $"num_envs={numEnvs}", $"total_timesteps={steps}", "learning_starts=500",
            "train_frequency=4", "target_network_frequency=250", "buffer_size=5000", "batch_size=32", "hidden_sizes=[32, 32]",
            "tensorboard=false", RunsDir,
        ];
        var whole = RunCli(null, [.. settings, "exp_name=whole"]);
        Assert.AreEqual(0, whole.ExitCode, whole.All);
        var stopped = RunCli(signal, [.. settings, "exp_name=stopped"]);
        Assert.AreEqual(exitCode, stopped.ExitCode, $"stopped by SIG{signal} before the end: " + stopped.All);
        string wholeRun = Directory.GetDirectories(Runs, $"*__whole__*").Single();
        string stoppedRun = Directory.GetDirectories(Runs, $"*__stopped__*").Single();
        int rowsAtStop = File.ReadAllLines(Path.Combine(stoppedRun, "episodes.csv")).Length;
        Assert.IsGreaterThan(10, rowsAtStop, "stopped after many episodes, so each env's game started from a saved state, not the seed");
        // The environments' state holds each env's current game (at most 1,000 steps here), not the whole run.
        long envStateBytes = new FileInfo(Path.Combine(stoppedRun, "checkpoints", "latest", "env_state.bin")).Length;
        Assert.IsLessThan(numEnvs * 1000L + 8192, envStateBytes);

        var resumed = RunCli(null, "resume", stoppedRun);
        Assert.AreEqual(0, resumed.ExitCode, resumed.All);
        Assert.DoesNotContain("episodes restart", resumed.All, "the checkpoint holds the environments' state");
        Assert.DoesNotContain("replays all", resumed.All, "only the current episodes are replayed");

        var expected = EpisodesWithoutWallTime(Path.Combine(wholeRun, "episodes.csv"));
        Assert.IsGreaterThan(rowsAtStop, expected.Count, "episodes end after the interruption too");
        CollectionAssert.AreEqual(expected, EpisodesWithoutWallTime(Path.Combine(stoppedRun, "episodes.csv")));
    }
}
