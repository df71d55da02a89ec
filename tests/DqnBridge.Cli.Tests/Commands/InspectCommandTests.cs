using DqnBridge.Envs.GymnasiumBackend;

namespace DqnBridge.Cli.Tests;

/// <summary>`inspect`: the pictures of what the network receives; the Gymnasium cases run where Gymnasium is importable.</summary>
[TestClass]
public sealed class InspectCommandTests : TempRunsFolderTestBase
{
    [TestMethod]
    public void InspectOnCartPoleWritesFramesAndObservationValues()
    {
        string folder = Path.Combine(Runs, "cartpole");
        var run = CliRun.Invoke(new FakeBackend(), "inspect", "--env", "CartPole-v1", "backend=native", "--steps", "3", "--episodes", "2", "-o", folder);

        Assert.AreEqual(0, run.ExitCode, run.All);
        var index = File.ReadAllLines(Path.Combine(folder, "index.csv"));
        Assert.AreEqual("episode,step,what,observation_png,frame_png", index[0]);
        Assert.IsTrue(index.Any(line => line.StartsWith("2,0,first observation after reset", StringComparison.Ordinal)), string.Join("\n", index));
        Assert.IsTrue(index.Any(line => line.Contains("final observation (terminated)", StringComparison.Ordinal)));
        var frame = PngReader.ReadPng(Path.Combine(folder, "ep01_step0001_frame.png"));
        Assert.AreEqual((byte)2, frame.ColorType);
        Assert.AreEqual(600, frame.Width);
        Assert.AreEqual(400, frame.Height);
        var values = File.ReadAllLines(Path.Combine(folder, "observations.csv"));
        Assert.AreEqual("name,x0,x1,x2,x3", values[0]);
        StringAssert.Contains(run.Output, "not images");
    }

    /// <summary>Asks in a child process, so that without Gymnasium this process never starts an embedded Python (other tests need it unstarted).</summary>
    private static void RequireGymnasium()
    {
        if (!PythonProbe.Gymnasium(Environment.GetEnvironmentVariable("DQNBRIDGE_PYTHON") ?? "").Available)
        {
            Assert.Inconclusive("Gymnasium is not importable (set DQNBRIDGE_PYTHON to a Python that has it); this test runs where it is.");
        }
    }

    [TestMethod]
    public void InspectOnCarRacingShowsTheCroppedStack()
    {
        RequireGymnasium();
        string folder = Path.Combine(Runs, "car");
        var run = CliRun.Invoke(new FakeBackend(), "inspect", "-c", PresetTests.Preset("carracing-discrete.yaml"), "--steps", "2", "--episodes", "1", "--scale", "1", "-o", folder);

        Assert.AreEqual(0, run.ExitCode, run.All);
        var stack = PngReader.ReadPng(Path.Combine(folder, "ep01_step0000_obs.png"));
        Assert.AreEqual(4 * 84 + 3 * 4, stack.Width, "four 84-pixel frames with 4-pixel gaps");
        Assert.AreEqual(84, stack.Height);
        // After reset every slot of the stack holds the first frame (Gymnasium's FrameStackObservation pads with it).
        var row = stack.Pixels.AsSpan(1 + 40 * (stack.Width + 1), stack.Width);
        Assert.IsTrue(row[..84].SequenceEqual(row[(3 * 88)..(3 * 88 + 84)]));
        Assert.IsTrue(File.Exists(Path.Combine(folder, "ep01_step0002_frame.png")));
    }

    [TestMethod]
    public void ZeroFrameStackPaddingShowsBlackOlderFramesAtAnEpisodeStart()
    {
        RequireGymnasium();
        string folder = Path.Combine(Runs, "tetris-zero-padding");
        var inspect = CliRun.Invoke(new FakeBackend(), "inspect", "--env", "ALE/Tetris-v5", "frame_stack_padding=zero",
            "--steps", "2", "--episodes", "1", "--scale", "1", "-o", folder);
        Assert.AreEqual(0, inspect.ExitCode, inspect.All);
        var first = PngReader.ReadPng(Path.Combine(folder, "ep01_step0000_obs.png"));
        var row = first.Pixels.AsSpan(1 + 60 * (first.Width + 1), first.Width);
        Assert.IsFalse(row[..84].ContainsAnyExcept((byte)0), "the oldest frame of the first stack is black");
        Assert.IsFalse(row[(2 * 88)..(2 * 88 + 84)].ContainsAnyExcept((byte)0), "so is the one before the newest");
        Assert.IsTrue(row[(3 * 88)..(3 * 88 + 84)].ContainsAnyExcept((byte)0), "the newest frame is the game");
    }

    [TestMethod]
    public void AleVectorEnvironmentPadsWithBlackFramesAndTrains()
    {
        RequireGymnasium();
        if (AleVector.Unavailable("") is { } reason)
        {
            Assert.Inconclusive(reason);
        }

        string folder = Path.Combine(Runs, "tetris-inspect");
        var inspect = CliRun.Invoke(new FakeBackend(), "inspect", "--env", "ALE/Tetris-v5", "vectorization=ale", "--steps", "1", "--episodes", "1", "--scale", "1", "-o", folder);
        Assert.AreEqual(0, inspect.ExitCode, inspect.All);
        var stack = PngReader.ReadPng(Path.Combine(folder, "ep01_step0000_obs.png"));
        var row = stack.Pixels.AsSpan(1 + 60 * (stack.Width + 1), stack.Width);
        Assert.IsFalse(row[..84].ContainsAnyExcept((byte)0), "the oldest frame of the first stack is black");
        Assert.IsTrue(row[(3 * 88)..(3 * 88 + 84)].ContainsAnyExcept((byte)0), "the newest frame is the game");

        var train = CliRun.Invoke(AgentBackend.OnEnvironmentLayer(_ => { }), "train", "--env", "ALE/Tetris-v5", "vectorization=ale", "num_envs=2",
            "total_timesteps=300", "learning_starts=100", "buffer_size=2000", "eval_frequency=150", "eval_steps=50", "tensorboard=false",
            RunsDir, "--run-name", "tetris");
        Assert.AreEqual(0, train.ExitCode, train.All);
        var eval = File.ReadAllLines(Path.Combine(Runs, "tetris", "eval.csv"));
        Assert.AreEqual("global_step,episodes,steps,mean_return,max_return,min_return,mean_clipped_return,max_clipped_return,min_clipped_return", eval[0]);
        CollectionAssert.AreEqual(new[] { "150", "300" }, eval.Skip(1).Select(l => l.Split(',')[0]).ToArray());
        Assert.IsTrue(File.Exists(Path.Combine(Runs, "tetris", "eval_curve.png")));
    }
}
