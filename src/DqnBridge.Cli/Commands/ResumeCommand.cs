using System.CommandLine;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Commands;

/// <summary>`dqnbridge resume RUN`: continues an interrupted run from its checkpoint, exactly where it stopped.</summary>
public sealed class ResumeCommand(CommandContext context)
{
    private readonly Argument<string> _run = new("run") { Description = "A run folder (runs/NAME) or its checkpoint folder" };

    public Command Create()
    {
        var command = new Command("resume", "Continue an interrupted training run from its checkpoint, exactly where it stopped");
        command.Arguments.Add(_run);
        command.SetAction(parse => Run(parse.GetValue(_run)!));
        return command;
    }

    private int Run(string runOrCheckpoint)
    {
        OverwrittenRuns.Recover(runOrCheckpoint, context.Error);
        if (!File.Exists(runOrCheckpoint) && !Directory.Exists(runOrCheckpoint) && !AgentBackend.CheckpointExists(runOrCheckpoint))
        {
            throw new CliException($"Checkpoint '{runOrCheckpoint}' does not exist. Pass the run folder (runs/NAME) that training printed.");
        }

        string checkpoint = AgentBackend.FindCheckpoint(runOrCheckpoint);
        var run = context.NewTrainingRun();
        var outcome = run.Resume(checkpoint, context.Cancellation, leaveFinished: true);
        if (outcome.AlreadyFinished is { } finished)
        {
            context.Output.WriteLine(finished);
            return ExitCodes.Ok;
        }

        return run.Summarize(outcome, context.Error, $"Interrupted again: checkpoint written to {outcome.Result.CheckpointPath}");
    }
}
