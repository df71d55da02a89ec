using System.Globalization;
using DqnBridge.Agent.Training;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Commands;

/// <summary>What `evaluate` writes and prints: every return, and their max, mean and min (for Atari also with clipped rewards).</summary>
public static class EvaluationReport
{
    public static void WriteCsv(string path, EvaluationResult result)
    {
        var clipped = result.ClippedReturns;
        string[] header = clipped is null ? ["episode", "episodic_return"] : ["episode", "episodic_return", "clipped_return"];
        AtomicFile.WriteCsv(path, header, result.Returns.Select((r, i) => clipped is null
            ? new[] { i.ToString(CultureInfo.InvariantCulture), Number(r) }
            : [i.ToString(CultureInfo.InvariantCulture), Number(r), Number(clipped[i])]));
    }

    public static void Print(TextWriter output, EvaluationResult result, double epsilon)
    {
        var returns = result.Returns;
        var mean = returns.Average();
        var std = Math.Sqrt(returns.Sum(r => (r - mean) * (r - mean)) / returns.Count);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Evaluated {result.EnvId} for {returns.Count} episodes (epsilon {epsilon}): mean return {mean:F2} ± {std:F2}"));
        output.WriteLine(Line(result.ClippedReturns is null ? "return" : "raw return (game score)", ReturnStatistics.Of(returns)));
        if (result.ClippedReturns is { } clipped)
        {
            output.WriteLine(Line("clipped return (rewards -1/0/+1)", ReturnStatistics.Of(clipped)));
        }
    }

    private static string Line(string what, ReturnStatistics s) =>
        string.Create(CultureInfo.InvariantCulture, $"  {what,-32} max {s.Max,10:F2}  mean {s.Mean,10:F2}  min {s.Min,10:F2}");

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
