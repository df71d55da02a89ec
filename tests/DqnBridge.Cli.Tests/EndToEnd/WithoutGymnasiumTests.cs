namespace DqnBridge.Cli.Tests;

/// <summary>
/// What a user without Gymnasium sees, on the real binary with a Python that lacks it (Debian's python3),
/// so these run whatever Python the rest of the suite embeds.
/// </summary>
[TestClass]
public sealed class WithoutGymnasiumTests : TempRunsFolderTestBase
{
    [TestMethod]
    public void AutoFallsBackToTheBuiltInEnvironmentAndSaysSo()
    {
        string python = TestPython.WithoutGymnasium();

        var run = CliProcess.Run("--env", "CartPole-v1", $"python={python}", "total_timesteps=300", "learning_starts=100",
            "tensorboard=false", RunsDir, "--run-name", "fallback");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.All, "CartPole-v1: Gymnasium is not available, using the built-in environment (backend auto).");
        Assert.IsTrue(File.Exists(Path.Combine(Runs, "fallback", "episodes.csv")));
    }

    [TestMethod]
    public void GymnasiumOnlyIdsAndExplicitGymnasiumExplainTheFix()
    {
        string python = TestPython.WithoutGymnasium();

        var pong = CliProcess.Run("--env", "ALE/Pong-v5", $"python={python}", RunsDir);

        Assert.AreEqual(ExitCodes.RuntimeError, pong.ExitCode, pong.All);
        StringAssert.Contains(pong.Error, "ALE/Pong-v5 needs Gymnasium");
        StringAssert.Contains(pong.Error, $"gymnasium is not importable from {python}");
        StringAssert.Contains(pong.Error, "pip install -r requirements.txt");
        StringAssert.Contains(pong.Error, "environment.yml");
        StringAssert.Contains(pong.Error, "DQNBRIDGE_PYTHON");
        StringAssert.Contains(pong.Error, "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt");
        Assert.DoesNotContain("   at ", pong.All, "no stack trace");

        var forced = CliProcess.Run("--env", "CartPole-v1", "backend=gymnasium", $"python={python}", RunsDir);

        Assert.AreEqual(ExitCodes.RuntimeError, forced.ExitCode, forced.All);
        StringAssert.Contains(forced.Error, "CartPole-v1 needs Gymnasium");
        Assert.IsEmpty(Directory.GetDirectories(Runs), "no run folder is left behind");
    }

    [TestMethod]
    public void EnvsListsTheBuiltInsAndSuggestsAVenv()
    {
        string python = TestPython.WithoutGymnasium();

        var run = CliProcess.Run("envs", "--python", python);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "CartPole-v1");
        StringAssert.Contains(run.Output, "importable");
        StringAssert.Contains(run.Output, "venv");
    }

    [TestMethod]
    [DataRow("/bin/true")]
    [DataRow("/bin/false")]
    public void APythonSettingThatIsNotPythonIsNamedAsSuch(string notPython)
    {
        var run = CliProcess.Run("--env", "LunarLander-v3", $"python={notPython}", RunsDir);

        // An explicit python that does not work is a usage error, never a fall back (LunarLander or a built-in id alike).
        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        StringAssert.Contains(run.Error, $"python={notPython} cannot be used");
        StringAssert.Contains(run.Error, $"'{notPython}' (from the 'python' setting) is not a Python 3.10+ interpreter");
        Assert.DoesNotContain("JSON", run.All);
        Assert.DoesNotContain("Traceback", run.All);
        Assert.DoesNotContain("   at ", run.All, "no stack trace");
    }
}
