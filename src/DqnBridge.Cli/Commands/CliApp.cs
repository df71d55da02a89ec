using System.CommandLine;
using DqnBridge.Cli.Benchmarking;
using DqnBridge.Envs;
using Spectre.Console;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// The dqnbridge command tree: train (default), resume, evaluate, benchmark (and merge), envs, config keys/show,
/// inspect, one class each. This class only wires them: it rewrites the arguments (<see cref="ArgumentRewriter"/>),
/// parses, runs the command, and leaves errors and exit codes to <see cref="ErrorReporter"/>.
/// </summary>
public sealed class CliApp(ITrainingBackend backend, IAnsiConsole console, TextWriter output, TextWriter error)
{
    /// <summary>How often non-terminal output gets a progress line.</summary>
    public TimeSpan PlainProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where `benchmark --slurm` looks for sbatch (PATH's syntax; PATH by default).</summary>
    public string SlurmSearchPath { get; init; } = Environment.GetEnvironmentVariable("PATH") ?? "";

    /// <summary>The command that starts this dqnbridge, which the batch scripts of `benchmark --slurm` run.</summary>
    public IReadOnlyList<string> DqnbridgeCommand { get; init; } = DqnbridgeExecutable.OfThisProcess();

    public int Run(string[] args, CancellationToken cancellation)
    {
        var root = BuildCommands(new CommandContext(backend, console, output, error, PlainProgressInterval, cancellation));
        var errors = new ErrorReporter(error);
        if (MistypedCommand(root, args) is { } suggestion)
        {
            error.WriteLine($"error: {suggestion}");
            return ExitCodes.UsageError;
        }

        var parsed = root.Parse(ArgumentRewriter.Rewrite(root, args));
        if (parsed.Errors.Count > 0)
        {
            return errors.ReportParseErrors(parsed.Errors);
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            });
        }
        catch (Exception e)
        {
            return errors.Report(e);
        }
    }

    /// <summary>
    /// `dqnbridge evalute RUN` would otherwise be read as `train evalute RUN` ("is not an override"): a first word that
    /// is no option, no key=value and within two edits of a command name is a mistyped command.
    /// </summary>
    private static string? MistypedCommand(RootCommand root, string[] args)
    {
        if (args.FirstOrDefault() is not { } first || first.StartsWith('-') || first.Contains('=') || root.Subcommands.Any(c => c.Name == first))
        {
            return null;
        }

        var closest = root.Subcommands.Select(c => c.Name).MinBy(name => IdSuggestions.EditDistance(first, name))!;
        return IdSuggestions.EditDistance(first, closest) <= 2
            ? $"Unknown command '{first}'. Did you mean `dqnbridge {closest}`? Commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))}."
            : null;
    }

    private RootCommand BuildCommands(CommandContext context)
    {
        var root = new RootCommand("Train and evaluate DQN agents (CleanRL-faithful) on Gymnasium or built-in environments.\n" +
                                   "Without a command, dqnbridge trains: `dqnbridge --env CartPole-v1` is `dqnbridge train --env CartPole-v1`.");
        var inputs = new TrainingInputs();
        root.Subcommands.Add(new TrainCommand(context, inputs).Create());
        root.Subcommands.Add(new ResumeCommand(context).Create());
        root.Subcommands.Add(new EvaluateCommand(context).Create());
        root.Subcommands.Add(new BenchmarkCommand(context, inputs) { SlurmSearchPath = SlurmSearchPath, DqnbridgeCommand = DqnbridgeCommand }.Create());
        root.Subcommands.Add(new EnvsCommand(context).Create());
        root.Subcommands.Add(new ConfigCommand(context, inputs).Create());
        root.Subcommands.Add(new InspectCommand(context.Output, spec => EnvFactory.MakeVector(spec, context.Error.WriteLine), spec => EnvFactory.Make(spec)).Create(inputs));
        return root;
    }
}
