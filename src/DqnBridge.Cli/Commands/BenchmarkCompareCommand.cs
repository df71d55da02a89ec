using System.CommandLine;
using DqnBridge.Cli.Benchmarking;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// `dqnbridge benchmark compare FOLDER... --reference FOLDER...`: our finished benchmarks against a reference
/// algorithm's, per environment: the steps each of our seeds takes to reach the reference's final return, and both
/// algorithms' final returns across seeds. Writes compare.csv, compare.md and compare.png.
/// </summary>
public sealed class BenchmarkCompareCommand(CommandContext context)
{
    private readonly Argument<string[]> _folders = new("folders") { Description = "Our benchmark folders (-o of `benchmark`), each finished", Arity = ArgumentArity.OneOrMore };
    private readonly Option<string[]> _reference = new("--reference") { Description = "The reference algorithm's benchmark folders, with every environment of ours", Required = true };
    private readonly Option<string> _label = new("--label") { Description = "Our algorithm's name in the tables and the plot", DefaultValueFactory = _ => "ours" };
    private readonly Option<string> _referenceLabel = new("--reference-label") { Description = "The reference algorithm's name", DefaultValueFactory = _ => "reference" };
    private readonly Option<string?> _output = new("--output", "-o") { Description = "Folder for compare.csv, compare.md and compare.png (default: the first of our folders)" };

    public Command Create()
    {
        var command = new Command("compare", "Steps for our seeds to reach a reference algorithm's final return, and both final returns; write compare.csv, compare.md and compare.png");
        command.Arguments.Add(_folders);
        command.Options.Add(_reference);
        command.Options.Add(_label);
        command.Options.Add(_referenceLabel);
        command.Options.Add(_output);
        command.SetAction(parse =>
        {
            var folders = parse.GetValue(_folders)!;
            var output = parse.GetValue(_output) ?? folders[0];
            var markdown = BenchmarkCompare.Compare(folders, parse.GetValue(_reference)!, parse.GetValue(_label)!, parse.GetValue(_referenceLabel)!, output);
            context.Output.WriteLine();
            context.Output.WriteLine(markdown);
            context.Output.WriteLine($"Comparison written to {Path.Combine(output, BenchmarkCompare.CompareCsv)}, {BenchmarkCompare.CompareMarkdown} and {BenchmarkCompare.ComparePlot}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
