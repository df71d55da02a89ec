using ScottPlot;

namespace DqnBridge.Cli.Output;

/// <summary>The learning-curve picture: each episode's return against the step it ended, with a moving mean.</summary>
public static class LearningCurve
{
    public const int SmoothingWindow = 100;

    public static void SavePng(string path, string title, IReadOnlyList<(long Step, double Return)> episodes, int width = 900, int height = 500)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("environment steps");
        plot.YLabel("episodic return");
        if (episodes.Count > 0)
        {
            var steps = episodes.Select(e => (double)e.Step).ToArray();
            var returns = episodes.Select(e => e.Return).ToArray();
            var raw = plot.Add.Scatter(steps, returns);
            raw.LineWidth = 0;
            raw.MarkerSize = 3;
            raw.Color = Colors.SteelBlue.WithAlpha(0.35);
            raw.LegendText = "episode return";

            var mean = plot.Add.Scatter(steps, MovingMean(returns, SmoothingWindow));
            mean.LineWidth = 2;
            mean.MarkerSize = 0;
            mean.Color = Colors.OrangeRed;
            mean.LegendText = $"mean of last {SmoothingWindow}";
            plot.ShowLegend(Alignment.LowerRight);
        }
        plot.SavePng(path, width, height);
    }

    /// <summary>Mean of up to <paramref name="window"/> values ending at each index.</summary>
    public static double[] MovingMean(IReadOnlyList<double> values, int window)
    {
        var means = new double[values.Count];
        double sum = 0;
        for (var i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window)
            {
                sum -= values[i - window];
            }

            means[i] = sum / Math.Min(i + 1, window);
        }
        return means;
    }
}
