using DqnBridge.Cli.Commands;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>The --slurm options of `benchmark`, checked before anything is written or submitted.</summary>
public sealed record SlurmRequest(int? Shards, IReadOnlyList<string> Args, bool DryRun)
{
    /// <summary>The request, or null without --slurm (when its companion options are a usage error).</summary>
    public static SlurmRequest? From(bool slurm, int? shards, IReadOnlyList<string> args, bool dryRun)
    {
        if (slurm)
        {
            return new SlurmRequest(shards, args, dryRun);
        }

        if (shards is not null || args.Count > 0 || dryRun)
        {
            throw new CliException("--shards, --slurm-arg and --dry-run go with --slurm (without it, one shard runs here with --shard K/N).", ExitCodes.UsageError);
        }

        return null;
    }

    /// <summary>Checks the options against the grid; returns the sbatch to submit with (null for --dry-run).</summary>
    public Sbatch? Check(BenchmarkGrid grid, string? shardText, string? outputDir, string searchPath)
    {
        if (shardText is not null)
        {
            throw new CliException("--slurm submits every shard itself (one array task each, --shards N): leave out --shard.", ExitCodes.UsageError);
        }

        if (outputDir is null)
        {
            throw new CliException("--slurm needs -o FOLDER, on a filesystem every node of the cluster sees: the tasks write their cells there.", ExitCodes.UsageError);
        }

        if (Shards is < 1 || Shards > grid.Cells.Count)
        {
            throw new CliException($"--shards {Shards} must be between 1 and the grid's {grid.Cells.Count} cell(s).", ExitCodes.UsageError);
        }

        foreach (var arg in Args)
        {
            if (!arg.StartsWith('-'))
            {
                throw new CliException($"--slurm-arg '{arg}' is not an sbatch option; write it as sbatch takes it, e.g. --slurm-arg=--partition=gpu.", ExitCodes.UsageError);
            }

            if (IsArrayOption(arg))
            {
                throw new CliException($"--slurm-arg '{arg}': --slurm sets the job array itself, one task per shard (choose their number with --shards N).", ExitCodes.UsageError);
            }
        }
        if (DryRun)
        {
            return null;
        }

        return Sbatch.Find(searchPath) ?? throw new CliException(
            "--slurm submits with Slurm's sbatch, and there is no sbatch on PATH. Run this on a machine of the Slurm cluster (a login node; " +
            "some sites need `module load slurm` first), or add --dry-run to only write the batch scripts into FOLDER/slurm/.", ExitCodes.UsageError);
    }

    /// <summary>--array=..., -a 1-4 or -a1-4 (not -A, the account).</summary>
    private static bool IsArrayOption(string arg) =>
        arg == "-a" || arg.StartsWith("--array", StringComparison.Ordinal) || (arg.StartsWith("-a", StringComparison.Ordinal) && char.IsAsciiDigit(arg[2]));
}
