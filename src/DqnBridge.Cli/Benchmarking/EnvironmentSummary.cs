namespace DqnBridge.Cli.Benchmarking;

/// <summary>Our seeds of one environment against the baseline's: everything results.md shows for it.</summary>
public sealed record EnvironmentSummary(
    string EnvId,
    IReadOnlyList<CellResult> Cells,
    IReadOnlyList<double> BaselineReturns,
    PublishedSummary? Published)
{
    public IReadOnlyList<double> Returns { get; } = [.. Cells.Select(c => c.LastEpisodesMeanReturn)];

    public double Mean => SeedStatistics.Mean(Returns);
    public double Std => SeedStatistics.Std(Returns);
    public double Median => SeedStatistics.Median(Returns);
    public Interval Iqm { get; } = SeedStatistics.InterquartileMeanInterval([.. Cells.Select(c => c.LastEpisodesMeanReturn)], SeedStatistics.StableSeed(EnvId, "iqm"));

    public bool HasBaseline => BaselineReturns.Count > 0 && Cells.Count > 0;
    public double BaselineMean => SeedStatistics.Mean(BaselineReturns);
    public double BaselineStd => SeedStatistics.Std(BaselineReturns);
    public Interval BaselineIqm { get; } = SeedStatistics.InterquartileMeanInterval(BaselineReturns, SeedStatistics.StableSeed(EnvId, "baseline-iqm"));

    /// <summary>Our mean minus the baseline's, with its 95% bootstrap interval.</summary>
    public Interval Difference { get; } = SeedStatistics.DifferenceOfMeans([.. Cells.Select(c => c.LastEpisodesMeanReturn)], BaselineReturns, SeedStatistics.StableSeed(EnvId, "difference"));
    public double WelchP => SeedStatistics.WelchTTestP(Returns, BaselineReturns);
    public double MannWhitneyP => SeedStatistics.MannWhitneyUP(Returns, BaselineReturns);

    /// <summary>From the 95% bootstrap interval of (our mean - baseline mean): below 0 worse, above 0 better, else no detectable difference.</summary>
    public string Verdict => Verdicts.From(Difference);
}

public static class Verdicts
{
    public const string Worse = "worse";
    public const string Better = "better";
    public const string NoDetectableDifference = "no detectable difference";

    public static string From(Interval difference) =>
        double.IsNaN(difference.Lower) ? "n/a"
        : difference.Upper < 0 ? Worse
        : difference.Lower > 0 ? Better
        : NoDetectableDifference;
}
