using Spectre.Console;

namespace DqnBridge.Cli.Tests;

[TestClass]
public sealed class OutputTests
{
    [TestMethod]
    public void LearningCurveIsARealPicture()
    {
        var path = Path.Combine(Path.GetTempPath(), $"curve-{Guid.NewGuid():N}.png");
        try
        {
            var random = new Random(1);
            var episodes = Enumerable.Range(1, 300).Select(i => ((long)i * 500, Math.Min(500, i * 2.0) + random.Next(-30, 30))).ToList();
            LearningCurve.SavePng(path, "test curve", episodes);

            var bytes = File.ReadAllBytes(path);
            CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            Assert.IsGreaterThan(20_000, bytes.Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void MovingMeanUsesTheWindowSeenSoFar()
    {
        CollectionAssert.AreEqual(new[] { 1.0, 1.5, 2.5, 3.5 }, LearningCurve.MovingMean([1, 2, 3, 4], 2));
    }

    [TestMethod]
    public void RunNamesAreOneFolder()
    {
        var name = RunNames.Make("ALE/Pong-v5", "dqn_atari", 2, DateTimeOffset.FromUnixTimeSeconds(1700000000));
        Assert.AreEqual("ALE-Pong-v5__dqn_atari__2__1700000000", name);
    }

    [TestMethod]
    public void AtomicCsvQuotesAndLeavesNoTemporaryFile()
    {
        var folder = Directory.CreateTempSubdirectory("dqnbridge-csv-").FullName;
        try
        {
            var path = Path.Combine(folder, "a.csv");
            AtomicFile.WriteCsv(path, ["a", "b"], [["1,5", "say \"hi\""]]);
            Assert.AreEqual("a,b\n\"1,5\",\"say \"\"hi\"\"\"\n", File.ReadAllText(path).Replace("\r\n", "\n"));
            Assert.HasCount(1, Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void VideoWriterMakesAnMp4()
    {
        if (!VideoWriter.FfmpegAvailable())
        {
            Assert.Inconclusive("ffmpeg is not installed");
        }

        var path = Path.Combine(Path.GetTempPath(), $"video-{Guid.NewGuid():N}.mp4");
        try
        {
            using (var writer = new VideoWriter(path, fps: 10))
            {
                for (var t = 0; t < 20; t++)
                {
                    var frame = new byte[31 * 45 * 3]; // odd sizes must still encode
                    Array.Fill(frame, (byte)(t * 10));
                    writer.AddFrame(frame, 31, 45);
                }
                writer.Complete();
                Assert.AreEqual(20, writer.FrameCount);
            }
            var bytes = File.ReadAllBytes(path);
            Assert.AreEqual("ftyp", System.Text.Encoding.ASCII.GetString(bytes, 4, 4));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void VideoWriterRejectsWrongFrameSizes()
    {
        using var writer = new VideoWriter(Path.Combine(Path.GetTempPath(), "never.mp4"));
        Assert.ThrowsExactly<VideoException>(() => writer.AddFrame(new byte[10], 2, 2));
    }
}

[TestClass]
public sealed class ProgressViewTests
{
    private static readonly TrainingProgress[] Snapshots =
        [new(1000, 4000, 2500, double.NaN, 0.9, 0), new(2000, 4000, 2600, 21.5, 0.5, 3), new(4000, 4000, 2700, 180.25, 0.05, 9)];

    private static IAnsiConsole MakeConsole(StringWriter output, bool terminal) =>
        AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Yes : AnsiSupport.No,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });

    [TestMethod]
    public void PlainOutputPrintsOneLinePerInterval()
    {
        var output = new StringWriter();
        var console = MakeConsole(output, terminal: false);

        // A long interval: only the first line and the final one get through.
        var steps = new ProgressView(console, output, TimeSpan.FromHours(1)).Run("title", report =>
        {
            foreach (var snapshot in Snapshots)
            {
                report(snapshot);
            }

            return 4000;
        });

        Assert.AreEqual(4000, steps);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(3, lines);
        Assert.AreEqual("step 1,000/4,000 | 2,500 steps/s | return - | epsilon 0.900 | left 0m01s", lines[1].TrimEnd());
        StringAssert.StartsWith(lines[2], "step 4,000/4,000 | 2,700 steps/s | return 180.2 | epsilon 0.050");
    }

    [TestMethod]
    public void TerminalOutputDrawsALiveBar()
    {
        var output = new StringWriter();
        var console = MakeConsole(output, terminal: true);
        console.Profile.Width = 160;

        new ProgressView(console, output, TimeSpan.Zero).Run("title", report =>
        {
            foreach (var snapshot in Snapshots)
            {
                report(snapshot);
            }

            return 0;
        });

        var text = output.ToString();
        StringAssert.Contains(text, "\u001b[");
        StringAssert.Contains(text, "100%");
        StringAssert.Contains(text, "return 180.2");
    }
}
