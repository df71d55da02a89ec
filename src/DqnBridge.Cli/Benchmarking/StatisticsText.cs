using System.Globalization;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>How the Markdown tables of merge and compare write their figures (invariant culture, 2 decimals).</summary>
public static class StatisticsText
{
    public static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public static string Num(double x) => double.IsNaN(x) ? "n/a" : x.ToString("F2", CultureInfo.InvariantCulture);

    public static string MeanStd(double mean, double std) => double.IsNaN(mean) ? "n/a" : $"{Num(mean)} ± {Num(std)}";

    public static string WithInterval(Interval i, bool signed = false)
    {
        if (double.IsNaN(i.Estimate))
        {
            return "n/a";
        }

        string S(double x) => signed && x >= 0 ? "+" + Num(x) : Num(x);
        return $"{S(i.Estimate)} [{S(i.Lower)}, {S(i.Upper)}]";
    }

    public static string P(double p) => double.IsNaN(p) ? "n/a" : p < 0.001 ? p.ToString("0.0e+0", CultureInfo.InvariantCulture) : p.ToString("F3", CultureInfo.InvariantCulture);
}
