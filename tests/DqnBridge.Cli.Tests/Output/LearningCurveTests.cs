namespace DqnBridge.Cli.Tests;

/// <summary>learning_curve.png and the moving mean drawn on it.</summary>
[TestClass]
public sealed class LearningCurveTests
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
}
