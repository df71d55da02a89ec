using System.CommandLine;
using DqnBridge.Cli.Benchmarking;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// `dqnbridge benchmark merge FOLDER`: reads every cell the shards wrote, writes results.csv, results.md and
/// results.png with statistics across seeds and the comparison with the baseline; exit 1 while cells are missing.
/// </summary>
public sealed class BenchmarkMergeCommand(CommandContext context)
{
    private readonly Argument<string> _folder = new("folder") { Description = "The benchmark folder (-o) the shards wrote" };
    private readonly Option<string?> _baseline = BaselineOption();
    private readonly Option<bool> _allowMissing = new("--allow-missing") { Description = "Exit 0 even when some cells have no result yet" };

    /// <summary>--baseline, taken by `benchmark` and `benchmark merge`.</summary>
    public static Option<string?> BaselineOption() => new("--baseline")
    {
        Description = "CSV of per-seed returns to compare with (columns env_id,seed,return; default: the bundled CleanRL dqn.py results)",
    };

    public Command Create()
    {
        var command = new Command("merge", "Read every cell of a benchmark folder; write results.csv, results.md and results.png; exit 1 while cells are missing");
        command.Arguments.Add(_folder);
        command.Options.Add(_baseline);
        command.Options.Add(_allowMissing);
        command.SetAction(parse => Run(parse.GetValue(_folder)!, Baseline.Load(parse.GetValue(_baseline)), parse.GetValue(_allowMissing)));
        return command;
    }

    public int Run(string folder, Baseline baseline, bool allowMissing)
    {
        var outcome = BenchmarkMerge.Merge(folder, baseline);
        context.Output.WriteLine();
        context.Output.WriteLine(outcome.Markdown);
        context.Output.WriteLine($"Results written to {Path.Combine(folder, BenchmarkMerge.ResultsCsv)}, {BenchmarkMerge.ResultsMarkdown} and {BenchmarkMerge.ResultsPlot}");
        if (outcome.Missing.Count == 0)
        {
            return ExitCodes.Ok;
        }

        context.Error.WriteLine($"{(allowMissing ? "warning" : "error")}: {outcome.Missing.Count} of the benchmark's cells have no result yet: " +
                                string.Join(", ", outcome.Missing.Select(c => $"{c.FolderName} (cell {c.Index})")) +
                                (allowMissing ? "" : ". Run (or resubmit) the shards that own them, or pass --allow-missing."));
        return allowMissing ? ExitCodes.Ok : ExitCodes.RuntimeError;
    }
}
