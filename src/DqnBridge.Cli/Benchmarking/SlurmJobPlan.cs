using System.Globalization;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// What `benchmark --slurm` submits: one Slurm array task per shard of the grid, each running the same dqnbridge with
/// the grid, config file, overrides and baseline the user gave, and a merge job after them. Paths are absolute and the
/// tasks start in <paramref name="WorkingDirectory"/> (where the user submitted), so relative paths in overrides mean
/// what they meant there.
/// </summary>
/// <param name="Dqnbridge">The command that starts dqnbridge: its apphost, or dotnet and dqnbridge.dll.</param>
/// <param name="SlurmArgs">sbatch options for both jobs (e.g. --partition=gpu), as the user wrote them.</param>
public sealed record SlurmJobPlan(
    IReadOnlyList<string> Dqnbridge,
    string WorkingDirectory,
    string Folder,
    BenchmarkGrid Grid,
    int Shards,
    string? ConfigFile,
    string? BaselineFile,
    IReadOnlyList<string> Overrides,
    IReadOnlyList<string> SlurmArgs)
{
    /// <summary>Where the scripts go, inside the benchmark folder.</summary>
    public string ScriptsFolder => Path.Combine(Folder, "slurm");

    /// <summary>One log per array task (shard-JOB_TASK.out) and per merge (merge-JOB.out), kept across resubmissions.</summary>
    public string LogsFolder => Path.Combine(ScriptsFolder, "logs");

    public string ShardsScript => Path.Combine(ScriptsFolder, "shards.sbatch");

    public string MergeScript => Path.Combine(ScriptsFolder, "merge.sbatch");

    /// <summary>The dqnbridge command every shard task runs, but for its --shard option (the task adds its own).</summary>
    public IEnumerable<string> ShardCommand() =>
    [
        .. Dqnbridge, "benchmark", "--envs", .. Grid.EnvIds, "--seeds", .. Grid.Seeds.Select(s => s.ToString(CultureInfo.InvariantCulture)),
        "-o", Folder, .. ConfigFile is null ? [] : new[] { "-c", ConfigFile }, .. BaselineOption, .. Overrides,
    ];

    public IEnumerable<string> MergeCommand() => [.. Dqnbridge, "benchmark", "merge", Folder, .. BaselineOption];

    private string[] BaselineOption => BaselineFile is null ? [] : ["--baseline", BaselineFile];

    /// <summary>The shards (1-based) that own a cell without a result.csv yet.</summary>
    public IReadOnlyList<int> UnfinishedShards() =>
    [
        .. Enumerable.Range(1, Shards).Where(k => new Shard(k, Shards).Select(Grid)
            .Any(cell => !File.Exists(Path.Combine(Folder, cell.FolderName, CellResult.FileName)))),
    ];
}
