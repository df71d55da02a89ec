using System.Text;
using DqnBridge.Cli.Commands;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// The two batch scripts of `benchmark --slurm`, meant to be read: the shards as a job array and the merge. Each
/// ends by exec-ing dqnbridge, so dqnbridge is the job's batch process and receives the SIGTERM of scancel and of the
/// time limit itself (a shell waiting for it would not pass the signal on).
/// </summary>
public static class SlurmScripts
{
    /// <summary>Seconds before the time limit at which Slurm sends SIGTERM, so a cell with a large replay buffer has time to write its checkpoint.</summary>
    public const int SignalSecondsBeforeTimeLimit = 120;

    public static string Shards(SlurmJobPlan plan)
    {
        var cells = plan.Grid.Cells.Count;
        var text = new StringBuilder();
        text.AppendLine("#!/bin/bash");
        text.AppendLine($"# DqnBridge benchmark, written by `dqnbridge benchmark --slurm`: {plan.Grid.EnvIds.Count} environment(s) x {plan.Grid.Seeds.Count} seed(s) = {cells} cell(s),");
        text.AppendLine($"# {plan.Shards} shard(s), one array task each: task K trains cells K, K+{plan.Shards}, ... into {plan.Folder}.");
        text.AppendLine("# A cell that has its result.csv is skipped and an interrupted one resumes from its checkpoint, so submitting");
        text.AppendLine("# this script again (or the same dqnbridge command, which submits only the unfinished shards) redoes only what is missing.");
        text.AppendLine("#SBATCH --job-name=dqnbridge-bench");
        text.AppendLine($"#SBATCH --array=1-{plan.Shards}");
        text.AppendLine("#SBATCH --cpus-per-task=1");
        text.AppendLine(Directive("--chdir", plan.WorkingDirectory));
        text.AppendLine(Directive("--output", Path.Combine(LogsFolderPattern(plan), "shard-%A_%a.out")));
        text.AppendLine($"# SIGTERM to dqnbridge about {SignalSecondsBeforeTimeLimit} s before the time limit: it checkpoints the running cell and exits 143.");
        text.AppendLine($"#SBATCH --signal=B:TERM@{SignalSecondsBeforeTimeLimit}");
        AppendSlurmArgs(text, plan);
        text.AppendLine(ShellWords.Join(["exec", .. plan.ShardCommand()]) + $" --shard \"$SLURM_ARRAY_TASK_ID/{plan.Shards}\"");
        return text.ToString();
    }

    public static string Merge(SlurmJobPlan plan)
    {
        var text = new StringBuilder();
        text.AppendLine("#!/bin/bash");
        text.AppendLine($"# DqnBridge benchmark merge of {plan.Folder}, written by `dqnbridge benchmark --slurm`: results.csv, results.md, results.png.");
        text.AppendLine("# Submitted to start once every shard task has ended (--dependency=afterany:SHARDS_JOB); when a shard left");
        text.AppendLine("# cells without a result it names them and fails (exit 1) instead of writing a table that looks complete.");
        text.AppendLine("#SBATCH --job-name=dqnbridge-merge");
        text.AppendLine("#SBATCH --cpus-per-task=1");
        text.AppendLine(Directive("--chdir", plan.WorkingDirectory));
        text.AppendLine(Directive("--output", Path.Combine(LogsFolderPattern(plan), "merge-%j.out")));
        AppendSlurmArgs(text, plan);
        text.AppendLine(ShellWords.Join(["exec", .. plan.MergeCommand()]));
        return text.ToString();
    }

    /// <summary>The logs folder in an --output pattern, where % starts a replacement symbol (%A, %a, %j) and %% is a plain %.</summary>
    private static string LogsFolderPattern(SlurmJobPlan plan) => plan.LogsFolder.Replace("%", "%%", StringComparison.Ordinal);

    private static void AppendSlurmArgs(StringBuilder text, SlurmJobPlan plan)
    {
        if (plan.SlurmArgs.Count == 0)
        {
            return;
        }

        text.AppendLine("# From --slurm-arg (later lines win over earlier ones):");
        foreach (var arg in plan.SlurmArgs)
        {
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            text.AppendLine(arg.StartsWith("--", StringComparison.Ordinal) && equals > 0
                ? Directive(arg[..equals], arg[(equals + 1)..])
                : "#SBATCH " + WithoutLineBreak(arg, arg));
        }
    }

    private static string Directive(string option, string value) => $"#SBATCH {option}={SbatchValue(value, option + "=" + value)}";

    private static string WithoutLineBreak(string value, string whole) =>
        value.Contains('\n') || value.Contains('\r')
            ? throw new CliException($"'{whole}' holds a line break, which an #SBATCH line cannot: remove it.", ExitCodes.UsageError)
            : value;

    /// <summary>
    /// sbatch reads an #SBATCH line as words split at whitespace, where "..." or '...' keeps a word whole (it knows no
    /// backslash escapes): a value with spaces is quoted with the quote it does not contain.
    /// </summary>
    private static string SbatchValue(string value, string whole)
    {
        WithoutLineBreak(value, whole);
        if (!value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\''))
        {
            return value;
        }

        if (!value.Contains('"'))
        {
            return $"\"{value}\"";
        }

        if (!value.Contains('\''))
        {
            return $"'{value}'";
        }

        throw new CliException($"'{whole}' holds both kinds of quote and a space, which an #SBATCH line cannot carry: rename or remove it.", ExitCodes.UsageError);
    }
}
