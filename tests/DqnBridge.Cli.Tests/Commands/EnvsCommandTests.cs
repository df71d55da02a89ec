using DqnBridge.Envs;

namespace DqnBridge.Cli.Tests;

/// <summary>`envs`: the backends, the ids that can be made here, and the others grouped by reason.</summary>
[TestClass]
public sealed class EnvsCommandTests
{
    [TestMethod]
    public void EnvsListsBackendsAndEnvironments()
    {
        var run = CliRun.Invoke(new FakeBackend(), "envs");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode);
        StringAssert.Contains(run.Output, "native");
        StringAssert.Contains(run.Output, "CartPole-v1");
    }

    /// <summary>What a Gymnasium with ale-py but only the Tetris ROM, without mujoco and without Box2D, lists.</summary>
    private static FakeBackend WithUnavailableIds()
    {
        var mujoco = EnvUnavailability.MissingDependency("MuJoCo", "needs mujoco", "pip install \"gymnasium[mujoco]\"");
        return new()
        {
            Listings =
            [
                new("ALE/Breakout-v5", "gymnasium", "-", "") { Unavailable = EnvUnavailability.MissingRom("breakout", "/venv/ale_py/roms") },
                new("ALE/Pong-v5", "gymnasium", "-", "") { Unavailable = EnvUnavailability.MissingRom("pong", "/venv/ale_py/roms") },
                new("ALE/Tetris-v5", "gymnasium", "-", ""),
                new("Ant-v5", "gymnasium", "-", "") { Unavailable = mujoco },
                new("CartPole-v1", "native, gymnasium", "Discrete(2)", ""),
                new("Hopper-v5", "gymnasium", "-", "") { Unavailable = mujoco },
                new("LunarLander-v3", "gymnasium", "-", "") { Unavailable = EnvUnavailability.MissingDependency("Box2D", "needs Box2D", "pip install \"gymnasium[box2d]\"") },
                new("PongNoFrameskip-v4", "gymnasium", "-", "") { Unavailable = EnvUnavailability.MissingRom("pong", "/venv/ale_py/roms") },
            ],
        };
    }

    [TestMethod]
    public void TheIdsThatCanBeMadeComeFirstAndTheOthersOneLinePerReason()
    {
        var run = CliRun.Invoke(WithUnavailableIds(), "envs");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        var lines = run.Output.TrimEnd('\n').Split('\n');
        CollectionAssert.AreEqual(
            new[]
            {
                "Environment    Backend            Actions      Notes",
                "ALE/Tetris-v5  gymnasium          -",
                "CartPole-v1    native, gymnasium  Discrete(2)",
                "",
                "6 more ids are registered but cannot be made here (`dqnbridge envs --all` lists each one):",
                "  3 ALE ids: no ROM in /venv/ale_py/roms; fix: put each game's ROM there as GAME.bin (e.g. breakout.bin)",
                "  2 MuJoCo ids: needs mujoco; fix: pip install \"gymnasium[mujoco]\"",
                "  1 Box2D id: needs Box2D; fix: pip install \"gymnasium[box2d]\"",
            },
            lines[^8..]);
        StringAssert.StartsWith(run.Output, "Backend  Available  Detail\nnative   yes        fake\n");
    }

    [TestMethod]
    public void AllListsEveryIdThatCannotBeMadeWithItsReason()
    {
        var run = CliRun.Invoke(WithUnavailableIds(), "envs", "--all");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "6 more ids are registered but cannot be made here:");
        StringAssert.Contains(run.Output, "PongNoFrameskip-v4  gymnasium  no ROM for 'pong' in /venv/ale_py/roms\n");
        StringAssert.Contains(run.Output, "Hopper-v5           gymnasium  needs mujoco (pip install \"gymnasium[mujoco]\")\n");
        Assert.DoesNotContain("fix:", run.Output, "no summary lines: every id has its own");
        Assert.IsLessThan(run.Output.IndexOf("ALE/Breakout-v5", StringComparison.Ordinal), run.Output.IndexOf("CartPole-v1", StringComparison.Ordinal),
            "the ids that can be made come first");
    }

    [TestMethod]
    public void MarkdownListsTheIdsAsATableAndTheReasonsAsAList()
    {
        var run = CliRun.Invoke(WithUnavailableIds(), "envs", "--format", "markdown");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "| `CartPole-v1` | native, gymnasium | Discrete(2) |  |\n");
        StringAssert.Contains(run.Output, "\n\n- 3 ALE ids: no ROM in /venv/ale_py/roms;");
    }
}
