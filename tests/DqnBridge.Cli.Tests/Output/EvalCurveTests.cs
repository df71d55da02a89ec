namespace DqnBridge.Cli.Tests;

/// <summary>eval_curve.png, drawn from eval.csv when the run evaluated.</summary>
[TestClass]
public sealed class EvalCurveTests : TempRunsFolderTestBase
{
    [TestMethod]
    public void EvalCurveIsDrawnOnlyWhenTheRunEvaluated()
    {
        Assert.IsNull(EvalCurve.SaveIfPresent(Runs, "none"));
        File.WriteAllText(Path.Combine(Runs, EvalCurve.CsvFile), "global_step,episodes,steps,mean_return,max_return,min_return\n500,3,60,20,25,15\n1000,3,90,30,40,20\n");
        string? png = EvalCurve.SaveIfPresent(Runs, "two evaluations");
        Assert.IsNotNull(png);
        Assert.AreEqual(1000, PngReader.ReadPng(png).Width);
        Assert.IsFalse(Directory.GetFiles(Runs).Any(f => f.EndsWith(".tmp.png", StringComparison.Ordinal)), "written whole, then renamed");
    }
}
