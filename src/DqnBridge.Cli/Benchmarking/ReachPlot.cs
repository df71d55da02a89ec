using ScottPlot;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// compare.png: one row per environment, both algorithms' running last-100 mean return against the step (the mean
/// across seeds, thick, with a band of one std across seeds), and the threshold as a dashed horizontal line.
/// </summary>
public static class ReachPlot
{
    private const int RowHeight = 380, Width = 900;

    public static void Save(
        string path, IReadOnlyList<EnvironmentReach> environments,
        IReadOnlyDictionary<string, List<List<(long Step, double Return)>>> ours,
        IReadOnlyDictionary<string, List<List<(long Step, double Return)>>> reference,
        string label, string referenceLabel)
    {
        using var grid = new PlotGrid(Width, RowHeight, environments.Count);
        for (var r = 0; r < environments.Count; r++)
        {
            var e = environments[r];
            var plot = new Plot();
            plot.Title($"{e.EnvId}: {label} ({Seeds(e.Ours.Count)}) vs {referenceLabel} ({Seeds(e.Reference.Count)})");
            plot.XLabel("environment steps");
            plot.YLabel($"running mean of last {RunningReturn.Window} episodes");
            AddAlgorithm(plot, reference[e.EnvId], referenceLabel, Colors.DarkOrange);
            AddAlgorithm(plot, ours[e.EnvId], label, Colors.SteelBlue);
            var threshold = plot.Add.HorizontalLine(e.Threshold, 1.5f, Colors.Black, LinePattern.Dashed);
            threshold.LegendText = $"threshold {e.Threshold:F1} ({referenceLabel} final)";
            plot.ShowLegend(Alignment.LowerRight);
            // The whole run on the x axis, the steps before the first 100 episodes included.
            var lastStep = ours[e.EnvId].Concat(reference[e.EnvId]).Where(s => s.Count > 0).Select(s => s[^1].Step).DefaultIfEmpty(1).Max();
            plot.Axes.SetLimitsX(0, lastStep);
            grid.Draw(plot, r, 0, Width);
        }
        grid.Save(path);
    }

    private static string Seeds(int count) => count == 1 ? "1 seed" : $"{count} seeds";

    private static void AddAlgorithm(Plot plot, List<List<(long Step, double Return)>> seeds, string label, Color color)
    {
        var curves = LearningCurves.Combine(seeds, fullWindowOnly: true);
        var keep = Enumerable.Range(0, curves.Steps.Length).Where(i => !double.IsNaN(curves.Mean[i])).ToArray();
        if (keep.Length == 0)
        {
            return;
        }

        double[] steps = [.. keep.Select(i => curves.Steps[i])];
        double[] mean = [.. keep.Select(i => curves.Mean[i])];
        double[] std = [.. keep.Select(i => curves.Std[i])];
        var band = plot.Add.FillY(steps, [.. mean.Zip(std, (m, s) => m - s)], [.. mean.Zip(std, (m, s) => m + s)]);
        band.FillColor = color.WithAlpha(0.2);
        band.LineWidth = 0;
        var line = plot.Add.ScatterLine(steps, mean, color);
        line.LineWidth = 2.5f;
        line.LegendText = $"{label}: mean ± 1 std across seeds";
    }
}
