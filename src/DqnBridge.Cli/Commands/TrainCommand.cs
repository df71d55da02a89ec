using System.CommandLine;

namespace DqnBridge.Cli.Commands;

/// <summary>`dqnbridge train` (the default command): a new run in runs_dir, with a progress display and a summary.</summary>
public sealed class TrainCommand(CommandContext context, TrainingInputs inputs)
{
    private readonly Option<bool> _overwrite = new("--overwrite") { Description = "Replace the run already in the run folder (it is deleted only once the new run has started)" };

    public Command Create()
    {
        var command = new Command("train", "Train a DQN agent (the default command)");
        inputs.AddTo(command);
        command.Options.Add(_overwrite);
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        var config = inputs.Resolve(parse);
        var run = context.NewTrainingRun(warnings: context.Error);
        var outcome = run.Run(config, parse.GetValue(inputs.RunName), context.Cancellation, parse.GetValue(_overwrite));
        return run.Summarize(outcome, context.Error, $"Interrupted: checkpoint written to {outcome.Result.CheckpointPath}");
    }
}
