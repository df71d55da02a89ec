using DqnBridge.Cli.Commands;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// `benchmark --slurm`: writes the plan's two batch scripts into FOLDER/slurm/ and submits the shards' array, then the
/// merge as a job that waits for every task of it to end (afterany: also after a cancelled or failed task, so the merge
/// reports what is missing). A resubmission submits only the array tasks whose shards still have unfinished cells.
/// </summary>
public sealed class SlurmSubmission(SlurmJobPlan plan, TextWriter output)
{
    public void WriteScripts()
    {
        AtomicFile.CreateFolder(plan.LogsFolder, "Slurm logs");
        AtomicFile.WriteAllText(plan.ShardsScript, SlurmScripts.Shards(plan));
        AtomicFile.WriteAllText(plan.MergeScript, SlurmScripts.Merge(plan));
        output.WriteLine($"Wrote {plan.ShardsScript} (job array 1-{plan.Shards}, one task per shard) and {plan.MergeScript}.");
    }

    public void PrintDryRun()
    {
        output.WriteLine("Dry run: nothing submitted. To submit by hand:");
        output.WriteLine($"  job=$(sbatch --parsable {ShellWords.Quote(plan.ShardsScript)})");
        output.WriteLine($"  sbatch --dependency=afterany:$job {ShellWords.Quote(plan.MergeScript)}");
    }

    public void Submit(Sbatch sbatch)
    {
        var unfinished = plan.UnfinishedShards();
        if (unfinished.Count == 0)
        {
            var mergeOnly = sbatch.Submit([], plan.MergeScript, plan.WorkingDirectory);
            output.WriteLine($"Every cell already has its result: submitted only the merge, as job {mergeOnly} (log {MergeLog(mergeOnly)}).");
            output.WriteLine($"Follow it: squeue -j {mergeOnly}");
            return;
        }

        // Options on sbatch's command line win over the script's #SBATCH lines: a resubmission runs only unfinished shards.
        var tasks = ArrayRanges(unfinished);
        string[] arrayOption = unfinished.Count == plan.Shards ? [] : [$"--array={tasks}"];
        var shardsJob = sbatch.Submit(arrayOption, plan.ShardsScript, plan.WorkingDirectory);
        var which = unfinished.Count == plan.Shards ? $"array tasks {tasks}" : $"array tasks {tasks} of 1-{plan.Shards} (the other shards' cells all have results)";
        output.WriteLine($"Submitted the shards as job {shardsJob}, {which}; logs {Path.Combine(plan.LogsFolder, $"shard-{shardsJob}_K.out")}.");

        string mergeJob;
        try
        {
            mergeJob = sbatch.Submit([$"--dependency=afterany:{shardsJob}"], plan.MergeScript, plan.WorkingDirectory);
        }
        catch (CliException e)
        {
            throw new CliException($"{e.Message}\nThe shards run as job {shardsJob}; once it has ended, merge with: " +
                                            ShellWords.Join(plan.MergeCommand()), e.ExitCode);
        }
        output.WriteLine($"Submitted the merge as job {mergeJob}; it starts when every task of job {shardsJob} has ended (log {MergeLog(mergeJob)}).");
        output.WriteLine($"Follow them: squeue -j {shardsJob},{mergeJob}");
        output.WriteLine($"Results: {Path.Combine(plan.Folder, BenchmarkMerge.ResultsMarkdown)} once job {mergeJob} has ended; it fails, naming the cells " +
                         "without a result, if a shard did not finish them.");
        output.WriteLine("A task cancelled, out of time or on a failed node: submit this same command again. It submits only the shards with " +
                         "unfinished cells; finished cells are kept and an interrupted one resumes from its checkpoint.");
    }

    private string MergeLog(string jobId) => Path.Combine(plan.LogsFolder, $"merge-{jobId}.out");

    /// <summary>1,2,3,5 as "1-3,5", sbatch's --array syntax.</summary>
    public static string ArrayRanges(IReadOnlyList<int> indices)
    {
        var ranges = new List<string>();
        for (var i = 0; i < indices.Count;)
        {
            var end = i;
            while (end + 1 < indices.Count && indices[end + 1] == indices[end] + 1)
            {
                end++;
            }

            ranges.Add(end == i ? $"{indices[i]}" : $"{indices[i]}-{indices[end]}");
            i = end + 1;
        }
        return string.Join(",", ranges);
    }
}
