using System.Buffers.Binary;
using System.IO.Compression;
using DqnBridge.Envs.GymnasiumBackend;

namespace DqnBridge.Cli.Tests;

/// <summary>The inspect command, PNG files, evaluation reports and curves; the Gymnasium cases run where Gymnasium is importable.</summary>
[TestClass]
public sealed class InspectAndEvaluationTests : RunsFolderTest
{
    private static (int Width, int Height, byte ColorType, byte[] Pixels) ReadPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        CollectionAssert.AreEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        int width = 0, height = 0;
        byte colorType = 0;
        var data = new MemoryStream();
        for (int offset = 8; offset < bytes.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset));
            string type = System.Text.Encoding.ASCII.GetString(bytes, offset + 4, 4);
            var chunk = bytes.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(chunk);
                height = BinaryPrimitives.ReadInt32BigEndian(chunk[4..]);
                colorType = chunk[9];
            }
            else if (type == "IDAT")
            {
                data.Write(chunk);
            }
            offset += 12 + length;
        }
        data.Position = 0;
        using var zlib = new ZLibStream(data, CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        return (width, height, colorType, raw.ToArray());
    }

    [TestMethod]
    public void PngHoldsTheImageScaledByNearestNeighbour()
    {
        string path = Path.Combine(Runs, "gray.png");
        PngFile.Save(path, new byte[] { 0, 50, 100, 150, 200, 250 }, height: 2, width: 3, channels: 1, scale: 2);

        var (width, height, colorType, raw) = ReadPng(path);
        Assert.AreEqual(6, width);
        Assert.AreEqual(4, height);
        Assert.AreEqual((byte)0, colorType);
        // Each scanline: filter byte 0, then the pixels.
        CollectionAssert.AreEqual(new byte[] { 0, 0, 0, 50, 50, 100, 100 }, raw[..7]);
        CollectionAssert.AreEqual(new byte[] { 0, 150, 150, 200, 200, 250, 250 }, raw[14..21]);
    }

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
        var frame = ReadPng(Path.Combine(folder, "ep01_step0001_frame.png"));
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
        var stack = ReadPng(Path.Combine(folder, "ep01_step0000_obs.png"));
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
        var first = ReadPng(Path.Combine(folder, "ep01_step0000_obs.png"));
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
        var stack = ReadPng(Path.Combine(folder, "ep01_step0000_obs.png"));
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

    [TestMethod]
    public void EvaluateReportsMaxMeanMinAndClippedReturnsForAtari()
    {
        var output = new StringWriter();
        var result = new EvaluationResult("ALE/Pong-v5", [3.0, -21.0, 12.0], "ckpt") { ClippedReturns = [1.0, -5.0, 2.0] };
        EvaluationReport.Print(output, result, 0.05);
        string text = output.ToString();
        StringAssert.Contains(text, "mean return -2.00");
        StringAssert.Matches(text, new System.Text.RegularExpressions.Regex(@"raw return \(game score\)\s+max\s+12\.00\s+mean\s+-2\.00\s+min\s+-21\.00"));
        StringAssert.Matches(text, new System.Text.RegularExpressions.Regex(@"clipped return \(rewards -1/0/\+1\)\s+max\s+2\.00\s+mean\s+-0\.67\s+min\s+-5\.00"));

        string csv = Path.Combine(Runs, "returns.csv");
        EvaluationReport.WriteCsv(csv, result);
        CollectionAssert.AreEqual(new[] { "episode,episodic_return,clipped_return", "0,3,1", "1,-21,-5", "2,12,2" }, File.ReadAllLines(csv));
    }

    [TestMethod]
    public void EvaluateWithoutClippedReturnsPrintsOneLine()
    {
        var output = new StringWriter();
        EvaluationReport.Print(output, new EvaluationResult("CartPole-v1", [10.0, 20.0], "ckpt"), 0.05);
        StringAssert.Contains(output.ToString(), "max      20.00  mean      15.00  min      10.00");
        Assert.DoesNotContain("clipped", output.ToString());
    }

    [TestMethod]
    public void EvalCurveIsDrawnOnlyWhenTheRunEvaluated()
    {
        Assert.IsNull(EvalCurve.SaveIfPresent(Runs, "none"));
        File.WriteAllText(Path.Combine(Runs, EvalCurve.CsvFile), "global_step,episodes,steps,mean_return,max_return,min_return\n500,3,60,20,25,15\n1000,3,90,30,40,20\n");
        string? png = EvalCurve.SaveIfPresent(Runs, "two evaluations");
        Assert.IsNotNull(png);
        Assert.AreEqual(900, ReadPng(png).Width);
    }
}
