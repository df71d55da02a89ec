using System.Globalization;

namespace DqnBridge.Cli.Tests;

/// <summary>`evaluate`: the returns CSV, the video, and bad inputs.</summary>
[TestClass]
public sealed class EvaluateCommandTests : TempRunsFolderTestBase
{
    [TestMethod]
    public void EvaluateWritesReturnsCsv()
    {
        var checkpoint = Directory.CreateDirectory(Path.Combine(Runs, "checkpoint")).FullName;

        var run = CliRun.Invoke(new FakeBackend(), "evaluate", checkpoint, "-n", "4");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        var lines = File.ReadAllLines(Path.Combine(Runs, "eval_returns.csv"));
        Assert.AreEqual("episode,episodic_return", lines[0]);
        CollectionAssert.AreEqual(new[] { 100.0, 101, 102, 103 }, lines[1..].Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray());
        StringAssert.Contains(run.Output, "mean return 101.50");
    }

    [TestMethod]
    public void EvaluateRecordsAVideo()
    {
        if (!Output.VideoWriter.FfmpegAvailable())
        {
            Assert.Inconclusive("ffmpeg is not installed");
        }

        var checkpoint = Directory.CreateDirectory(Path.Combine(Runs, "checkpoint")).FullName;
        var video = Path.Combine(Runs, "agent.gif");

        var run = CliRun.Invoke(new FakeBackend(), "evaluate", checkpoint, "-n", "2", "--video", video);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "Video (10 frames)");
        CollectionAssert.AreEqual("GIF8"u8.ToArray(), File.ReadAllBytes(video)[..4]);
    }

    [TestMethod]
    public void EvaluateExplainsBadInputsWithoutAStackTrace()
    {
        var backend = new FakeBackend();
        var missing = CliRun.Invoke(backend, "evaluate", Path.Combine(Runs, "nope"));
        Assert.AreEqual(ExitCodes.RuntimeError, missing.ExitCode);
        StringAssert.Contains(missing.Error, "does not exist");

        var checkpoint = Directory.CreateDirectory(Path.Combine(Runs, "checkpoint")).FullName;

        var corrupt = CliRun.Invoke(new FakeBackend { FailWith = new InvalidDataException("checkpoint.pt is corrupt: unexpected end of file") }, "evaluate", checkpoint);
        Assert.AreEqual(ExitCodes.RuntimeError, corrupt.ExitCode);
        StringAssert.Contains(corrupt.Error, "corrupt");

        var unwritable = CliRun.Invoke(backend, "evaluate", checkpoint, "-o", Path.Combine(Runs, "no-such-folder", "returns.csv"));
        Assert.AreEqual(ExitCodes.RuntimeError, unwritable.ExitCode);
        StringAssert.Contains(unwritable.Error, "Cannot write");

        foreach (var run in new[] { missing, corrupt, unwritable })
        {
            Assert.IsFalse(run.HasStackTrace, run.All);
        }
    }

    [TestMethod]
    [DataRow("-n", "0", "error: --episodes must be at least 1.")]
    [DataRow("--epsilon", "1.5", "error: --epsilon must be between 0 and 1.")]
    [DataRow("--fps", "0", "error: --fps must be at least 1.")]
    public void OutOfRangeOptionsAreUsageErrorsBeforeAnythingRuns(string option, string value, string message)
    {
        var checkpoint = Directory.CreateDirectory(Path.Combine(Runs, "checkpoint")).FullName;
        var backend = new FakeBackend { FailWith = new InvalidOperationException("the backend must not be reached") };

        var run = CliRun.Invoke(backend, "evaluate", checkpoint, option, value);

        Assert.AreEqual(ExitCodes.UsageError, run.ExitCode, run.All);
        Assert.AreEqual(message, run.Error.TrimEnd());
        Assert.IsFalse(File.Exists(Path.Combine(Runs, "eval_returns.csv")));
    }
}
