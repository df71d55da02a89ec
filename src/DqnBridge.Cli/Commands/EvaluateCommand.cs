using System.CommandLine;
using DqnBridge.Agent.Training;
using DqnBridge.Cli.Config;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// `dqnbridge evaluate CHECKPOINT`: plays a trained agent for N episodes (epsilon 0.05, as CleanRL), writes the
/// returns to CSV and prints their statistics; optionally records a video.
/// </summary>
public sealed class EvaluateCommand(CommandContext context)
{
    private readonly Argument<string> _checkpoint = new("checkpoint") { Description = "A run folder (runs/NAME) or a checkpoint folder written by train" };
    private readonly Option<int> _episodes = new("--episodes", "-n") { Description = "Episodes to run", DefaultValueFactory = _ => new DqnConfig().EvalEpisodes };
    private readonly Option<double> _epsilon = new("--epsilon") { Description = "Exploration during evaluation (CleanRL: 0.05)", DefaultValueFactory = _ => new DqnConfig().EvalEpsilon };
    private readonly Option<int> _seed = new("--seed") { Description = "Seed of the evaluation environments", DefaultValueFactory = _ => 1 };
    private readonly Option<string?> _csv = new("--output", "-o") { Description = "CSV of the returns (default: eval_returns.csv in the run folder)" };
    private readonly Option<string?> _video = new("--video") { Description = "Record the agent to this .mp4 or .gif (needs ffmpeg)" };
    private readonly Option<int> _fps = new("--fps") { Description = "Frames per second of the video", DefaultValueFactory = _ => 30 };
    private readonly Option<string?> _python = new("--python") { Description = "Python executable with Gymnasium (default: the one in the checkpoint's config)" };

    public Command Create()
    {
        var command = new Command("evaluate", "Run a trained agent for N episodes with epsilon 0.05 and write the returns to CSV");
        command.Arguments.Add(_checkpoint);
        foreach (var option in new Option[] { _episodes, _epsilon, _seed, _csv, _video, _fps, _python })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Run(parse.GetValue(_checkpoint)!, parse.GetValue(_episodes), parse.GetValue(_epsilon),
            parse.GetValue(_seed), parse.GetValue(_csv), parse.GetValue(_video), parse.GetValue(_fps), parse.GetValue(_python) ?? ""));
        return command;
    }

    private int Run(string checkpoint, int episodes, double epsilon, int seed, string? csvPath, string? videoPath, int fps, string python)
    {
        ConfigValidation.CheckEvaluation(episodes, epsilon, seed);
        if (fps < 1)
        {
            throw new CliException("--fps must be at least 1.", ExitCodes.UsageError);
        }

        if (videoPath is not null && Path.GetExtension(videoPath).ToLowerInvariant() is not (".mp4" or ".gif"))
        {
            throw new CliException($"--video '{videoPath}' must end in .mp4 or .gif (the formats ffmpeg writes here).", ExitCodes.UsageError);
        }

        OverwrittenRuns.Recover(checkpoint, context.Error);
        if (!File.Exists(checkpoint) && !AgentBackend.CheckpointExists(AgentBackend.FindCheckpoint(checkpoint)))
        {
            throw new CliException($"Checkpoint '{checkpoint}' does not exist. Train first (dqnbridge train ...) and pass the checkpoint it prints.");
        }

        var output = context.Output;
        using var recorder = videoPath is null ? null : new VideoWriter(videoPath, fps);
        if (recorder is not null && !VideoWriter.FfmpegAvailable())
        {
            throw new CliException("Recording a video needs ffmpeg on PATH. Install it (e.g. `sudo apt-get install ffmpeg`) or leave out --video.");
        }

        var result = context.Backend.Evaluate(new EvaluationRequest(checkpoint, episodes, epsilon, seed, recorder is not null, python),
            recorder is null ? null : frame => recorder.AddFrame(frame.Pixels, frame.Height, frame.Width), context.Cancellation);

        foreach (var notice in result.Notices)
        {
            output.WriteLine(notice);
        }

        output.WriteLine($"Checkpoint {result.CheckpointDirectory}");
        csvPath ??= Path.Combine(RunFolderOf(result.CheckpointDirectory), "eval_returns.csv");
        EvaluationReport.WriteCsv(csvPath, result);
        recorder?.Complete();

        EvaluationReport.Print(output, result, epsilon);
        output.WriteLine($"Returns written to {csvPath}");
        if (recorder is not null)
        {
            output.WriteLine($"Video ({recorder.FrameCount} frames) written to {videoPath}");
        }

        return context.Cancellation.IsCancellationRequested ? ExitCodes.Cancelled : ExitCodes.Ok;
    }

    /// <summary>runs/NAME/checkpoints/latest belongs to runs/NAME; any other checkpoint folder to its parent.</summary>
    private static string RunFolderOf(string checkpointDirectory)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(checkpointDirectory).TrimEnd(Path.DirectorySeparatorChar))!;
        return Path.GetFileName(parent) == "checkpoints" ? Path.GetDirectoryName(parent)! : parent;
    }
}
