namespace DqnBridge.Cli.Tests;

/// <summary>A test class whose every test gets a fresh temporary runs folder, removed afterwards.</summary>
public abstract class TempRunsFolderTestBase
{
    protected string Runs { get; private set; } = "";

    /// <summary>The override that sends a run into <see cref="Runs"/>.</summary>
    protected string RunsDir => $"runs_dir={Runs}";

    [TestInitialize]
    public void MakeRunsFolder() => Runs = Directory.CreateTempSubdirectory($"dqnbridge-{GetType().Name}-").FullName;

    [TestCleanup]
    public void RemoveRunsFolder() => Directory.Delete(Runs, recursive: true);

    /// <summary>A benchmark's results.csv without the columns that depend on the machine and the moment (steps/s, wall time, host).</summary>
    protected static List<string> ResultsWithoutMachineColumns(string resultsCsv) =>
        [.. File.ReadAllLines(resultsCsv).Select(line => string.Join(",", Benchmarking.Csv.ParseLine(line).Where((_, i) => i is not (5 or 6 or 9))))];

    /// <summary>The lines of an episodes.csv without the wall_time column, the only one that differs between equal runs.</summary>
    protected static List<string> EpisodesWithoutWallTime(string episodesCsv) =>
        [.. File.ReadAllLines(episodesCsv).Select(line => line[..line.LastIndexOf(',')])];
}
