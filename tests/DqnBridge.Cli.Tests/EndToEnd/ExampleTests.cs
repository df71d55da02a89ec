using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace DqnBridge.Cli.Tests.EndToEnd;

/// <summary>examples/TrainCartPole, run as a user runs it: `dotnet TrainCartPole.dll steps seed`.</summary>
[TestClass]
public sealed partial class ExampleTests
{
    private static readonly string ExampleDll = typeof(ExampleTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "TrainCartPoleExample").Value!;

    [TestMethod]
    public void TrainCartPoleTrainsEvaluatesAndRepeatsWithTheSameSeed()
    {
        var (exitCode, output) = Run("2000", "1");
        Assert.AreEqual(0, exitCode, output);
        StringAssert.Contains(output, "trained 2000 steps");
        double meanReturn = MeanReturn(output);
        // CartPole-v1 returns lie in 1..500 (one point per step, time limit 500).
        Assert.IsTrue(meanReturn is >= 1 and <= 500, $"mean return {meanReturn} out of CartPole's range:\n{output}");

        var (secondExitCode, secondOutput) = Run("2000", "1");
        Assert.AreEqual(0, secondExitCode, secondOutput);
        Assert.AreEqual(meanReturn, MeanReturn(secondOutput), "the same seed gave a different greedy return");
    }

    private static double MeanReturn(string output)
    {
        Match match = MeanReturnLine().Match(output);
        Assert.IsTrue(match.Success, $"no mean return printed:\n{output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static (int ExitCode, string Output) Run(params string[] arguments)
    {
        Assert.IsTrue(File.Exists(ExampleDll), $"{ExampleDll} was not built");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ExampleDll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Remove("DQNBRIDGE_PYTHON");
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    [GeneratedRegex(@"greedy policy: mean return ([0-9.]+) over 10 episodes")]
    private static partial Regex MeanReturnLine();
}
