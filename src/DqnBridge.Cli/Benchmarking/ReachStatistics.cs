namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// Steps to reach the threshold across seeds. A seed that never reached it counts as later than every step: the
/// median is null ("not reached") when it falls on such seeds, and the mean exists only when every seed reached it.
/// </summary>
public sealed record ReachStatistics(int Seeds, int Reached, double? Median, double? Mean)
{
    public static ReachStatistics Of(IReadOnlyList<long?> steps)
    {
        var sorted = steps.Select(s => s is { } v ? (double)v : double.PositiveInfinity).Order().ToArray();
        var reached = steps.Count(s => s is not null);
        double? median = sorted.Length == 0 ? null : Middle(sorted) is var m && double.IsFinite(m) ? m : null;
        double? mean = sorted.Length > 0 && reached == sorted.Length ? sorted.Average() : null;
        return new ReachStatistics(sorted.Length, reached, median, mean);
    }

    // The middle value, or the mean of the two middle ones (infinite when one is); SeedStatistics.Quantile would
    // interpolate 0 * infinity into NaN.
    private static double Middle(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
