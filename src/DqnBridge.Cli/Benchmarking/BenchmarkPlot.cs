using ScottPlot;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// results.png: one row per environment. Left, every seed's final return as a dot (ours, then the baseline's) with
/// the IQM and its 95% bootstrap interval as a bar. Right, the learning curves of all our seeds (thin), their mean
/// (thick) and a band of one std across seeds.
/// </summary>
public static class BenchmarkPlot
{
    private const int RowHeight = 380, LeftWidth = 420, RightWidth = 780;

    public static void Save(string path, IReadOnlyList<EnvironmentSummary> summaries, IReadOnlyDictionary<string, List<List<(long Step, double Return)>>> curves, string baselineLabel)
    {
        using var grid = new PlotGrid(LeftWidth + RightWidth, RowHeight, summaries.Count);
        for (var r = 0; r < summaries.Count; r++)
        {
            grid.Draw(SeedsPlot(summaries[r], baselineLabel), r, 0, LeftWidth);
            grid.Draw(CurvesPlot(summaries[r].EnvId, curves.GetValueOrDefault(summaries[r].EnvId) ?? []), r, LeftWidth, RightWidth);
        }
        grid.Save(path);
    }

    private static Plot SeedsPlot(EnvironmentSummary s, string baselineLabel)
    {
        var plot = new Plot();
        plot.Title($"{s.EnvId}: final return per seed");
        plot.YLabel($"mean of last {Output.Benchmark.LastEpisodes} episodes");
        AddGroup(plot, 0, s.Returns, s.Iqm, Colors.SteelBlue);
        var ticks = new List<Tick> { new(0, $"ours ({s.Returns.Count})") };
        if (s.BaselineReturns.Count > 0)
        {
            AddGroup(plot, 1, s.BaselineReturns, s.BaselineIqm, Colors.DarkOrange);
            ticks.Add(new Tick(1, $"{Shorten(baselineLabel)} ({s.BaselineReturns.Count})"));
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.SetLimitsX(-0.6, ticks.Count - 0.4);
        plot.Axes.Bottom.Label.Text = "squares: IQM with its 95% CI";
        return plot;
    }

    private static void AddGroup(Plot plot, double x, IReadOnlyList<double> values, Interval iqm, Color color)
    {
        if (values.Count == 0)
        {
            return;
        }
        // Spread the dots sideways by seed so equal returns stay visible (deterministic, no randomness).
        var xs = values.Select((_, i) => x - 0.25 + 0.5 * (i + 0.5) / values.Count).ToArray();
        // No legend: the axis names the groups, and a legend box would hide the low seeds that matter most.
        plot.Add.Markers(xs, values.ToArray(), MarkerShape.FilledCircle, 6, color.WithAlpha(0.6));
        var bar = new ScottPlot.Plottables.ErrorBar([x + 0.32], [iqm.Estimate], [0.0], [0.0], [iqm.Upper - iqm.Estimate], [iqm.Estimate - iqm.Lower]);
        plot.Add.Plottable(bar);
        bar.Color = color;
        bar.LineWidth = 2;
        plot.Add.Markers(new[] { x + 0.32 }, new[] { iqm.Estimate }, MarkerShape.FilledSquare, 9, color);
    }

    private static Plot CurvesPlot(string envId, List<List<(long Step, double Return)>> seeds)
    {
        var plot = new Plot();
        plot.Title($"{envId}: learning curves ({seeds.Count} seeds, mean ± std)");
        plot.XLabel("environment steps");
        plot.YLabel($"mean of last {Output.Benchmark.LastEpisodes} episodes");
        if (seeds.Count == 0)
        {
            return plot;
        }

        var combined = LearningCurves.Combine(seeds);
        foreach (var seed in combined.PerSeed)
        {
            var (xs, ys) = Finite(combined.Steps, seed);
            var line = plot.Add.ScatterLine(xs, ys, Colors.Gray.WithAlpha(0.35));
            line.LineWidth = 1;
        }
        var (steps, mean) = Finite(combined.Steps, combined.Mean);
        var std = combined.Std.Where((_, i) => !double.IsNaN(combined.Mean[i])).ToArray();
        var band = plot.Add.FillY(steps, mean.Zip(std, (m, s) => m - s).ToArray(), mean.Zip(std, (m, s) => m + s).ToArray());
        band.FillColor = Colors.SteelBlue.WithAlpha(0.25);
        band.LineWidth = 0;
        band.LegendText = "± 1 std across seeds";
        var meanLine = plot.Add.ScatterLine(steps, mean, Colors.SteelBlue);
        meanLine.LineWidth = 2.5f;
        meanLine.LegendText = "mean across seeds";
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static (double[] Xs, double[] Ys) Finite(double[] xs, double[] ys)
    {
        var keep = Enumerable.Range(0, xs.Length).Where(i => !double.IsNaN(ys[i])).ToArray();
        return ([.. keep.Select(i => xs[i])], [.. keep.Select(i => ys[i])]);
    }

    private static string Shorten(string label) => label.Split(" (")[0] is var name && name.Length <= 24 ? name : name[..21] + "...";
}
