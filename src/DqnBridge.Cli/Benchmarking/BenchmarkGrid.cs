using DqnBridge.Cli.Commands;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>One environment x seed pair of a benchmark; <see cref="Index"/> is its 1-based place in the grid.</summary>
public sealed record BenchmarkCell(int Index, string EnvId, int Seed)
{
    /// <summary>The cell's folder inside the benchmark folder, e.g. CartPole-v1__seed_1.</summary>
    public string FolderName => $"{RunNames.Safe(EnvId)}__seed_{Seed}";
}

/// <summary>
/// The env x seed grid in its one fixed order: environments in the order given, and for each the seeds in the
/// order given. The order depends only on --envs and --seeds, never on how many shards run it or where.
/// </summary>
public sealed class BenchmarkGrid
{
    public BenchmarkGrid(IReadOnlyList<string> envIds, IReadOnlyList<int> seeds)
    {
        if (envIds.Count == 0 || seeds.Count == 0)
        {
            throw new CliException("benchmark needs at least one environment (--envs) and one seed (--seeds).", ExitCodes.UsageError);
        }

        if (envIds.Distinct().Count() != envIds.Count)
        {
            throw new CliException($"--envs names an environment twice: {string.Join(" ", envIds)}", ExitCodes.UsageError);
        }

        if (seeds.Distinct().Count() != seeds.Count)
        {
            throw new CliException($"--seeds names a seed twice: {string.Join(" ", seeds)}", ExitCodes.UsageError);
        }

        EnvIds = envIds;
        Seeds = seeds;
        Cells = [.. envIds.SelectMany(env => seeds.Select(seed => (env, seed))).Select((c, i) => new BenchmarkCell(i + 1, c.env, c.seed))];
    }

    public IReadOnlyList<string> EnvIds { get; }

    public IReadOnlyList<int> Seeds { get; }

    public IReadOnlyList<BenchmarkCell> Cells { get; }
}

/// <summary>Shard K of N runs the cells K, K+N, K+2N, ... (1-based) of the grid.</summary>
public sealed record Shard(int Index, int Count)
{
    public static readonly Shard Whole = new(1, 1);

    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out var k) && int.TryParse(parts[1], out var n) && n >= 1 && k >= 1 && k <= n)
        {
            return new Shard(k, n);
        }

        throw new CliException($"--shard '{text}' is not K/N with 1 <= K <= N (e.g. --shard 2/8; on Slurm --shard $SLURM_ARRAY_TASK_ID/8).", ExitCodes.UsageError);
    }

    public IEnumerable<BenchmarkCell> Select(BenchmarkGrid grid) => grid.Cells.Where(c => (c.Index - 1) % Count == Index - 1);

    public override string ToString() => $"{Index}/{Count}";
}
