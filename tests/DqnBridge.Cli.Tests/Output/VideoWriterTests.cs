namespace DqnBridge.Cli.Tests;

/// <summary>Agent videos through ffmpeg.</summary>
[TestClass]
public sealed class VideoWriterTests
{
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
