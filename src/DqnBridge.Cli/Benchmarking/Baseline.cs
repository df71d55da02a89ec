using System.Globalization;
using DqnBridge.Cli.Commands;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>A published mean ± std across seeds, with no per-seed values (so it takes no part in any test).</summary>
public sealed record PublishedSummary(double Mean, double Std, int Seeds, string Source);

/// <summary>
/// Per-seed returns to compare against: a CSV with the columns env_id, seed, return (lines starting with # are
/// comments). The bundled one is CleanRL dqn.py's (benchmarks/baselines/cleanrl-dqn.csv, embedded in the program).
/// </summary>
public sealed class Baseline
{
    public const string BundledName = "cleanrl-dqn";
    private const string BundledResource = "DqnBridge.Cli.Baselines.cleanrl-dqn.csv";

    /// <summary>CleanRL's documented dqn.py results, shown beside the per-seed comparison and labelled as published.</summary>
    public static readonly IReadOnlyDictionary<string, PublishedSummary> CleanRlPublished = new Dictionary<string, PublishedSummary>
    {
        ["CartPole-v1"] = new(488.69, 16.11, 3, "CleanRL docs"),
        ["Acrobot-v1"] = new(-91.54, 7.20, 3, "CleanRL docs"),
        ["MountainCar-v0"] = new(-194.95, 8.48, 3, "CleanRL docs"),
    };

    /// <summary>Per environment, the returns of the baseline's seeds, in file order.</summary>
    private readonly Dictionary<string, List<(int Seed, double Return)>> _returns;

    private Baseline(string label, Dictionary<string, List<(int Seed, double Return)>> returns)
    {
        Label = label;
        _returns = returns;
    }

    public string Label { get; }

    /// <summary>The published summaries shown beside this baseline: CleanRL's dqn.py ones for the bundled baseline, none for a file (they describe dqn.py only).</summary>
    public IReadOnlyDictionary<string, PublishedSummary> Published { get; private init; } = new Dictionary<string, PublishedSummary>();

    public IReadOnlyList<double> For(string envId) =>
        _returns.TryGetValue(envId, out var rows) ? [.. rows.Select(r => r.Return)] : [];

    /// <summary>The bundled CleanRL baseline.</summary>
    public static Baseline CleanRl()
    {
        using var stream = typeof(Baseline).Assembly.GetManifestResourceStream(BundledResource)
                           ?? throw new InvalidOperationException($"The bundled baseline {BundledResource} is missing from the build.");
        using var reader = new StreamReader(stream);
        var bundled = Parse(reader.ReadToEnd(), "CleanRL dqn.py (benchmarks/baselines/cleanrl-dqn.csv)", "the bundled baseline");
        return new Baseline(bundled.Label, bundled._returns) { Published = CleanRlPublished };
    }

    /// <summary>"cleanrl-dqn" (or nothing) is the bundled baseline; anything else is a CSV file.</summary>
    public static Baseline Load(string? fileOrName)
    {
        if (fileOrName is null || fileOrName == BundledName)
        {
            return CleanRl();
        }

        if (!File.Exists(fileOrName))
        {
            throw new CliException($"Baseline file '{fileOrName}' does not exist. Give a CSV with the columns env_id,seed,return, or leave out --baseline for CleanRL's.", ExitCodes.UsageError);
        }

        return Parse(File.ReadAllText(fileOrName), Path.GetFileName(fileOrName), fileOrName);
    }

    public static Baseline Parse(string text, string label, string where)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n')
            .Select((line, i) => (Line: line.Trim(), Number: i + 1))
            .Where(l => l.Line.Length > 0 && !l.Line.StartsWith('#'))
            .ToList();
        if (lines.Count == 0)
        {
            throw new CliException($"Baseline {where} is empty: it needs the header env_id,seed,return and one row per seed.", ExitCodes.UsageError);
        }

        var header = Csv.ParseLine(lines[0].Line).Select(h => h.Trim()).ToList();
        int env = header.IndexOf("env_id"), seed = header.IndexOf("seed"), ret = header.IndexOf("return");
        if (env < 0 || seed < 0 || ret < 0)
        {
            throw new CliException($"Baseline {where}, line {lines[0].Number}: the header must name the columns env_id, seed and return (found: {lines[0].Line}).", ExitCodes.UsageError);
        }

        var returns = new Dictionary<string, List<(int, double)>>();
        foreach (var (line, number) in lines.Skip(1))
        {
            var fields = Csv.ParseLine(line);
            if (fields.Count <= Math.Max(env, Math.Max(seed, ret))
                || !int.TryParse(fields[seed], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
                || !double.TryParse(fields[ret], NumberStyles.Float, CultureInfo.InvariantCulture, out var r) || !double.IsFinite(r))
            {
                throw new CliException($"Baseline {where}, line {number}: expected env_id,seed,return with a whole seed and a finite return, got '{line}'.", ExitCodes.UsageError);
            }

            var rows = returns.TryGetValue(fields[env].Trim(), out var list) ? list : returns[fields[env].Trim()] = [];
            if (rows.Any(x => x.Item1 == s))
            {
                throw new CliException($"Baseline {where}, line {number}: {fields[env]} seed {s} appears twice.", ExitCodes.UsageError);
            }

            rows.Add((s, r));
        }
        return new Baseline(label, returns);
    }
}
