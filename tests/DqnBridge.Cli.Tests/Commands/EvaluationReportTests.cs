namespace DqnBridge.Cli.Tests;

/// <summary>What `evaluate` prints and writes: max, mean and min, with clipped returns for Atari.</summary>
[TestClass]
public sealed class EvaluationReportTests : TempRunsFolderTestBase
{
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
}
