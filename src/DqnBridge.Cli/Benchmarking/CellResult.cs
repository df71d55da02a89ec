using System.Globalization;
using DqnBridge.Cli.Commands;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// One finished cell: the row it contributes to results.csv. Written as the cell's result.csv (one row), by an atomic
/// rename after its run has finished, so a result file either is whole or does not exist.
/// </summary>
public sealed record CellResult(
    string EnvId, int Seed, long Steps, double LastEpisodesMeanReturn, int Episodes, double StepsPerSecond,
    double WallTimeSeconds, string Version, string Commit, string Host)
{
    public const string FileName = "result.csv";

    public static readonly string[] Header =
    [
        "env_id", "seed", "steps", $"last{Benchmark.LastEpisodes}_mean_return", "episodes", "steps_per_second",
        "wall_time_s", "dqnbridge_version", "git_commit", "host",
    ];

    public string[] Fields() =>
    [
        EnvId, Seed.ToString(CultureInfo.InvariantCulture), Steps.ToString(CultureInfo.InvariantCulture),
        LastEpisodesMeanReturn.ToString("R", CultureInfo.InvariantCulture), Episodes.ToString(CultureInfo.InvariantCulture),
        StepsPerSecond.ToString("F1", CultureInfo.InvariantCulture), WallTimeSeconds.ToString("F2", CultureInfo.InvariantCulture),
        Version, Commit, Host,
    ];

    public void Write(string path) => AtomicFile.WriteCsv(path, Header, [Fields()]);

    public static CellResult Read(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        if (lines.Count != 2 || !Csv.ParseLine(lines[0]).SequenceEqual(Header))
        {
            throw new CliException($"'{path}' is not a cell result (expected the header {string.Join(",", Header)} and one row). Delete the file to rerun the cell.");
        }

        var f = Csv.ParseLine(lines[1]);
        try
        {
            return new CellResult(f[0], int.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture),
                double.Parse(f[3], CultureInfo.InvariantCulture), int.Parse(f[4], CultureInfo.InvariantCulture),
                double.Parse(f[5], CultureInfo.InvariantCulture), double.Parse(f[6], CultureInfo.InvariantCulture), f[7], f[8], f[9]);
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException)
        {
            throw new CliException($"'{path}' has a malformed row ({e.Message}). Delete the file to rerun the cell.");
        }
    }
}

/// <summary>Just enough CSV: comma-separated fields, double quotes around fields that hold commas or quotes.</summary>
public static class Csv
{
    public static List<string> ParseLine(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                { field.Append('"'); i++; }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            { fields.Add(field.ToString()); field.Clear(); }
            else
            {
                field.Append(c);
            }
        }
        fields.Add(field.ToString().TrimEnd('\r'));
        return fields;
    }
}
