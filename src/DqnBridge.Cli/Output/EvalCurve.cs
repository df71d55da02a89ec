using System.Globalization;
using ScottPlot;

namespace DqnBridge.Cli.Output;

/// <summary>
/// eval_curve.png: the mean return of each evaluation during training, with its max-min band, against the step; redrawn
/// after each evaluation (and when the run ends), with its legend outside the plot area.
/// </summary>
public static class EvalCurve
{
    public const string CsvFile = "eval.csv";
    public const string PngFile = "eval_curve.png";

    /// <summary>Draws eval_curve.png from the run's eval.csv; does nothing when the run has no evaluations. Returns the PNG's path or null.</summary>
    public static string? SaveIfPresent(string runDirectory, string title)
    {
        var csv = Path.Combine(runDirectory, CsvFile);
        if (!File.Exists(csv))
        {
            return null;
        }

        var rows = File.ReadLines(csv).Skip(1)
            .Select(line => line.Split(','))
            .Where(f => f.Length >= 6)
            .Select(f => (Step: double.Parse(f[0], CultureInfo.InvariantCulture), Mean: Parse(f[3]), Max: Parse(f[4]), Min: Parse(f[5]),
                ClippedMean: f.Length >= 9 ? Parse(f[6]) : (double?)null))
            .ToList();
        if (rows.Count == 0)
        {
            return null;
        }

        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("environment steps");
        plot.YLabel("evaluation return");
        var steps = rows.Select(r => r.Step).ToArray();
        var band = plot.Add.FillY(steps, rows.Select(r => r.Max).ToArray(), rows.Select(r => r.Min).ToArray());
        band.FillColor = Colors.SteelBlue.WithAlpha(0.2);
        band.LegendText = "min to max";
        var mean = plot.Add.Scatter(steps, rows.Select(r => r.Mean).ToArray());
        mean.LineWidth = 2;
        mean.Color = Colors.SteelBlue;
        mean.LegendText = "mean return";
        if (rows.All(r => r.ClippedMean is not null))
        {
            var clipped = plot.Add.Scatter(steps, rows.Select(r => r.ClippedMean!.Value).ToArray());
            clipped.LineWidth = 2;
            clipped.Color = Colors.OrangeRed;
            clipped.LegendText = "mean clipped return";
        }
        // Outside the data area, so no point or band is ever hidden behind it.
        plot.ShowLegend(Edge.Right);
        var path = Path.Combine(runDirectory, PngFile);
        // Redrawn after every evaluation while training runs: written whole under another name, then renamed over it.
        var temporary = Path.Combine(runDirectory, $".{Path.GetFileNameWithoutExtension(PngFile)}.{Environment.ProcessId}.tmp.png");
        plot.SavePng(temporary, 1000, 500);
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    private static double Parse(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
