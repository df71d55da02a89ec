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
        Assert.AreEqual("episode,step,what,observation_png,train_eval_png,frame_png,action,q_values", index[0]);
        Assert.IsTrue(index.Any(line => line.StartsWith("2,0,first observation after reset", StringComparison.Ordinal)), string.Join("\n", index));
        Assert.IsTrue(index.Any(line => line.Contains("final observation (terminated)", StringComparison.Ordinal)));
        var frame = PngReader.ReadPng(Path.Combine(folder, "ep01_step0001_frame.png"));
        Assert.AreEqual((byte)2, frame.ColorType);
        Assert.AreEqual(600, frame.Width);
        Assert.AreEqual(400, frame.Height);
        var values = File.ReadAllLines(Path.Combine(folder, "observations.csv"));
        Assert.AreEqual("name,x0,x1,x2,x3", values[0]);
        StringAssert.Contains(run.Output, "not images");
        StringAssert.Contains(run.Output, "observations identical at all");
    }

    [TestMethod]
    public void InspectWithACheckpointPlaysTheTrainedAgentAndListsItsQValues()
    {
        var backend = AgentBackend.OnEnvironmentLayer(_ => { });
        var train = CliRun.Invoke(backend, "train", "--env", "CartPole-v1", "backend=native", "total_timesteps=1200", "learning_starts=200",
            "eval_frequency=400", "eval_episodes=2", "debug_frequency=300", "tensorboard=false", RunsDir, "--run-name", "agent");
        Assert.AreEqual(0, train.ExitCode, train.All);
        string run = Path.Combine(Runs, "agent");

        // During training: the debug views (CartPole's observation is not an image: its values are in the JSON).
        var views = Directory.GetFiles(Path.Combine(run, "debug"), "step-*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(new[] { "step-000000000.json", "step-000000300.json", "step-000000600.json", "step-000000900.json" }, views);
        using (var view = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "debug", "step-000000600.json"))))
        {
            Assert.AreEqual(2, view.RootElement.GetProperty("q_values").GetArrayLength());
            Assert.AreEqual(4, view.RootElement.GetProperty("observation").GetArrayLength());
        }

        // The best evaluation's weights: evaluate plays them, resume refuses them.
        Assert.IsTrue(File.Exists(Path.Combine(run, "eval_curve.png")));
        string best = Path.Combine(run, "checkpoints", "best");
        var evaluate = CliRun.Invoke(backend, "evaluate", best, "--episodes", "2");
        Assert.AreEqual(0, evaluate.ExitCode, evaluate.All);
        StringAssert.Contains(evaluate.Output, best);
        var resume = CliRun.Invoke(backend, "resume", best);
        Assert.AreNotEqual(0, resume.ExitCode);
        StringAssert.Contains(resume.All, "checkpoints/latest");

        string folder = Path.Combine(Runs, "agent-inspect");
        var inspect = CliRun.Invoke(new FakeBackend(), "inspect", "--checkpoint", best, "--steps", "3", "--episodes", "1", "-o", folder);
        Assert.AreEqual(0, inspect.ExitCode, inspect.All);
        StringAssert.Contains(inspect.Output, "greedy agent");
        StringAssert.Contains(inspect.Output, "observations identical at all");
        var rows = File.ReadAllLines(Path.Combine(folder, "index.csv")).Skip(1).Select(line => line.Split(',')).ToArray();
        Assert.IsTrue(rows.All(fields => fields[7].Split(' ').Length == 2), "two Q-values at every pictured step");
        Assert.IsTrue(rows.Skip(1).All(fields => fields[6] is "0" or "1"), "the action taken");

        // A run's name under runs_dir is enough (its checkpoints/latest).
        var byName = CliRun.Invoke(new FakeBackend(), "inspect", "--checkpoint", "agent", RunsDir, "--steps", "1", "--episodes", "1", "-o", Path.Combine(Runs, "by-name"));
        Assert.AreEqual(0, byName.ExitCode, byName.All);
        StringAssert.Contains(byName.Output, "greedy agent");
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
        StringAssert.Contains(inspect.Output, "observations identical at all");
        Assert.DoesNotContain("Stella", inspect.All, "ALE's banner is silenced");
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
        StringAssert.Contains(inspect.Output, "observations identical at all");
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
        Assert.IsTrue(File.Exists(Path.Combine(Runs, "tetris", "checkpoints", "best", "q_network.bin")));
        Assert.DoesNotContain("Stella", train.All, "ALE's banner is silenced");
    }
}
