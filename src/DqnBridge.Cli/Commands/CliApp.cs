using System.CommandLine;
using System.Globalization;
using DqnBridge.Agent.Training;
using DqnBridge.Cli.Benchmarking;
using DqnBridge.Cli.Config;
using DqnBridge.Cli.Output;
using Spectre.Console;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// The dqnbridge command tree: train (default), evaluate, benchmark, envs, config keys/show.
/// Errors become one clear message and an exit code: 2 for usage and config, 1 at run time, 130 on Ctrl+C
/// (Program maps a stop by SIGTERM or SIGHUP to 143 or 129).
/// </summary>
public sealed class CliApp(ITrainingBackend backend, IAnsiConsole console, TextWriter output, TextWriter error)
{
    /// <summary>How often non-terminal output gets a progress line.</summary>
    public TimeSpan PlainProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    private readonly Option<string?> _env = new("--env", "-e") { Description = "Environment id, e.g. CartPole-v1 (picks CleanRL's defaults for its family)" };
    private readonly Option<string?> _config = new("--config", "-c") { Description = "YAML file with hyperparameters (see configs/)" };
    private readonly Option<string?> _runName = new("--run-name") { Description = "Folder name under runs_dir (default {env_id}__{exp_name}__{seed}__{unix_time})" };
    private readonly Option<bool> _overwrite = new("--overwrite") { Description = "Replace the run already in the run folder (it is deleted only once the new run has started)" };
    private readonly Argument<string[]> _overrides = new("key=value") { Description = "Config overrides, e.g. learning_rate=1e-3 total_timesteps=50_000", Arity = ArgumentArity.ZeroOrMore };

    public int Run(string[] args, CancellationToken cancellation)
    {
        var root = BuildCommands(cancellation);
        var parsed = root.Parse(RepeatListOptions(WithDefaultCommand(root, args)));
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
            {
                error.WriteLine($"error: {parseError.Message}");
            }

            error.WriteLine("Run `dqnbridge --help` for usage.");
            return ExitCodes.UsageError;
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
            return Report(e);
        }
    }

    /// <summary>`dqnbridge --env CartPole-v1` means `dqnbridge train --env CartPole-v1`.</summary>
    private static string[] WithDefaultCommand(RootCommand root, string[] args)
    {
        var first = args.FirstOrDefault();
        var named = first is not null && (root.Subcommands.Any(c => c.Name == first) || first is "-h" or "--help" or "-?" or "/?" or "/h" or "--version");
        return named ? args : ["train", .. args];
    }

    /// <summary>
    /// `--seeds 1 2 key=value` becomes `--seeds 1 --seeds 2 key=value`: each list option takes one value per
    /// occurrence, so the values stop at the first key=value (or option) and no override is swallowed as a seed or an id.
    /// </summary>
    private static string[] RepeatListOptions(string[] args)
    {
        var result = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            result.Add(args[i]);
            if (args[i] == "--")
            {
                result.AddRange(args[(i + 1)..]);
                break;
            }
            if (args[i] is not ("--seeds" or "--envs"))
            {
                continue;
            }

            var option = args[i];
            var first = true;
            while (i + 1 < args.Length && IsListValue(args[i + 1]))
            {
                if (!first)
                {
                    result.Add(option);
                }

                result.Add(args[++i]);
                first = false;
            }
        }
        return [.. result];
    }

    private static bool IsListValue(string token) =>
        !token.Contains('=') && (!token.StartsWith('-') || long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _));

    private int Report(Exception e)
    {
        var (code, message) = e switch
        {
            ConfigException => (ExitCodes.UsageError, e.Message),
            CliException cli => (cli.ExitCode, cli.Message),
            OperationCanceledException => (ExitCodes.Cancelled, "Cancelled."),
            _ => (ExitCodes.RuntimeError, DescribeUnexpected(e)),
        };
        error.WriteLine($"error: {message}");
        if (Environment.GetEnvironmentVariable("DQNBRIDGE_DEBUG") == "1")
        {
            error.WriteLine(e.ToString());
        }

        return code;
    }

    /// <summary>
    /// Errors from the layers below carry their own clear messages; show those, never a stack trace. An inner
    /// message already part of a message above it (layers often quote their cause) is not repeated.
    /// </summary>
    public static string DescribeUnexpected(Exception e)
    {
        var messages = new List<string>();
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (!messages.Any(shown => shown.Contains(inner.Message.Trim(), StringComparison.Ordinal)))
            {
                messages.Add(inner.Message);
            }
        }

        return string.Join("\n  caused by: ", messages) + "\n(set DQNBRIDGE_DEBUG=1 to see the stack trace)";
    }

    private RootCommand BuildCommands(CancellationToken cancellation)
    {
        var root = new RootCommand("Train and evaluate DQN agents (CleanRL-faithful) on Gymnasium or built-in environments.\n" +
                                   "Without a command, dqnbridge trains: `dqnbridge --env CartPole-v1` is `dqnbridge train --env CartPole-v1`.");

        var train = new Command("train", "Train a DQN agent (the default command)");
        AddTrainingInputs(train);
        train.Options.Add(_overwrite);
        train.SetAction(parse => Train(parse, cancellation));
        root.Subcommands.Add(train);

        var resume = new Command("resume", "Continue an interrupted training run from its checkpoint, exactly where it stopped");
        var resumeFrom = new Argument<string>("run") { Description = "A run folder (runs/NAME) or its checkpoint folder" };
        resume.Arguments.Add(resumeFrom);
        resume.SetAction(parse => Resume(parse.GetValue(resumeFrom)!, cancellation));
        root.Subcommands.Add(resume);

        root.Subcommands.Add(EvaluateCommand(cancellation));
        root.Subcommands.Add(BenchmarkCommand(cancellation));

        var python = new Option<string?>("--python") { Description = "Python executable to look for Gymnasium in (default python3, or DQNBRIDGE_PYTHON)" };
        var envs = new Command("envs", "List the available environments and backends");
        envs.Options.Add(python);
        envs.SetAction(parse => ListEnvironments(parse.GetValue(python)));
        root.Subcommands.Add(envs);

        root.Subcommands.Add(ConfigCommand());
        root.Subcommands.Add(new InspectCommand(output, spec => DqnBridge.Envs.EnvFactory.MakeVector(spec, error.WriteLine)).Create(_env, _config, _overrides));
        return root;
    }

    private void AddTrainingInputs(Command command)
    {
        command.Options.Add(_env);
        command.Options.Add(_config);
        command.Options.Add(_runName);
        command.Arguments.Add(_overrides);
    }

    private DqnConfig ResolveConfig(ParseResult parse) =>
        ConfigLoader.Resolve(parse.GetValue(_config), parse.GetValue(_overrides) ?? [], parse.GetValue(_env));

    private int Train(ParseResult parse, CancellationToken cancellation)
    {
        var config = ResolveConfig(parse);
        var run = new TrainingRun(backend, console, output, PlainProgressInterval) { Warnings = error };
        var outcome = run.Run(config, parse.GetValue(_runName), cancellation, parse.GetValue(_overwrite));
        return Summarize(run, outcome, $"Interrupted: checkpoint written to {outcome.Result.CheckpointPath}");
    }

    /// <summary>Prints the run's summary; a cancelled run also gets <paramref name="interrupted"/> on stderr and exit 130.</summary>
    private int Summarize(TrainingRun run, RunOutcome outcome, string interrupted)
    {
        run.PrintSummary(outcome);
        if (!outcome.Result.Cancelled)
        {
            return ExitCodes.Ok;
        }

        error.WriteLine(interrupted);
        return ExitCodes.Cancelled;
    }

    private int Resume(string runOrCheckpoint, CancellationToken cancellation)
    {
        if (!File.Exists(runOrCheckpoint) && !Directory.Exists(runOrCheckpoint) && !AgentBackend.CheckpointExists(runOrCheckpoint))
        {
            throw new CliException($"Checkpoint '{runOrCheckpoint}' does not exist. Pass the run folder (runs/NAME) that training printed.");
        }

        string checkpoint = AgentBackend.FindCheckpoint(runOrCheckpoint);
        var run = new TrainingRun(backend, console, output, PlainProgressInterval);
        var outcome = run.Resume(checkpoint, cancellation);
        return Summarize(run, outcome, $"Interrupted again: checkpoint written to {outcome.Result.CheckpointPath}");
    }

    private Command EvaluateCommand(CancellationToken cancellation)
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A run folder (runs/NAME) or a checkpoint folder written by train" };
        var episodes = new Option<int>("--episodes", "-n") { Description = "Episodes to run", DefaultValueFactory = _ => new DqnConfig().EvalEpisodes };
        var epsilon = new Option<double>("--epsilon") { Description = "Exploration during evaluation (CleanRL: 0.05)", DefaultValueFactory = _ => new DqnConfig().EvalEpsilon };
        var seed = new Option<int>("--seed") { Description = "Seed of the evaluation environments", DefaultValueFactory = _ => 1 };
        var csv = new Option<string?>("--output", "-o") { Description = "CSV of the returns (default: eval_returns.csv in the run folder)" };
        var video = new Option<string?>("--video") { Description = "Record the agent to this .mp4 or .gif (needs ffmpeg)" };
        var fps = new Option<int>("--fps") { Description = "Frames per second of the video", DefaultValueFactory = _ => 30 };
        var python = new Option<string?>("--python") { Description = "Python executable with Gymnasium (default: the one in the checkpoint's config)" };

        var command = new Command("evaluate", "Run a trained agent for N episodes with epsilon 0.05 and write the returns to CSV");
        command.Arguments.Add(checkpoint);
        foreach (var option in new Option[] { episodes, epsilon, seed, csv, video, fps, python })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Evaluate(parse.GetValue(checkpoint)!, parse.GetValue(episodes), parse.GetValue(epsilon),
            parse.GetValue(seed), parse.GetValue(csv), parse.GetValue(video), parse.GetValue(fps), parse.GetValue(python) ?? "", cancellation));
        return command;
    }

    private int Evaluate(string checkpoint, int episodes, double epsilon, int seed, string? csvPath, string? videoPath, int fps, string python, CancellationToken cancellation)
    {
        var problems = new EvaluationSettings(episodes, epsilon).Problems("--episodes", "--epsilon", stepsName: null);
        if (problems.Count > 0)
        {
            throw new CliException(string.Join("; ", problems) + ".", ExitCodes.UsageError);
        }

        if (fps < 1)
        {
            throw new CliException("--fps must be at least 1.", ExitCodes.UsageError);
        }

        if (videoPath is not null && Path.GetExtension(videoPath).ToLowerInvariant() is not (".mp4" or ".gif"))
        {
            throw new CliException($"--video '{videoPath}' must end in .mp4 or .gif (the formats ffmpeg writes here).", ExitCodes.UsageError);
        }

        if (!File.Exists(checkpoint) && !AgentBackend.CheckpointExists(AgentBackend.FindCheckpoint(checkpoint)))
        {
            throw new CliException($"Checkpoint '{checkpoint}' does not exist. Train first (dqnbridge train ...) and pass the checkpoint it prints.");
        }

        using var recorder = videoPath is null ? null : new VideoWriter(videoPath, fps);
        if (recorder is not null && !VideoWriter.FfmpegAvailable())
        {
            throw new CliException("Recording a video needs ffmpeg on PATH. Install it (e.g. `sudo apt-get install ffmpeg`) or leave out --video.");
        }

        var result = backend.Evaluate(new EvaluationRequest(checkpoint, episodes, epsilon, seed, recorder is not null, python),
            recorder is null ? null : frame => recorder.AddFrame(frame.Pixels, frame.Height, frame.Width), cancellation);

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

        return cancellation.IsCancellationRequested ? ExitCodes.Cancelled : ExitCodes.Ok;
    }

    /// <summary>runs/NAME/checkpoints/latest belongs to runs/NAME; any other checkpoint folder to its parent.</summary>
    private static string RunFolderOf(string checkpointDirectory)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(checkpointDirectory).TrimEnd(Path.DirectorySeparatorChar))!;
        return Path.GetFileName(parent) == "checkpoints" ? Path.GetDirectoryName(parent)! : parent;
    }

    private Command BenchmarkCommand(CancellationToken cancellation)
    {
        // One value per occurrence: RepeatListOptions turns `--seeds 1 2` into `--seeds 1 --seeds 2`.
        var envs = new Option<string[]>("--envs") { Description = "Environments to train on", DefaultValueFactory = _ => [.. Benchmark.DefaultEnvironments] };
        var seeds = new Option<int[]>("--seeds") { Description = "Seeds, one run each", DefaultValueFactory = _ => [1, 2, 3] };
        var outputDir = new Option<string?>("--output", "-o") { Description = "Benchmark folder shared by all shards: one folder per cell, then results.csv, results.md, results.png (default runs_dir/benchmark__{unix_time}; required with --shard)" };
        var shard = new Option<string?>("--shard") { Description = "Run only cells K, K+N, K+2N, ... of the env x seed grid (K/N, 1-based); merge when all shards are done" };
        var baseline = BaselineOption();
        var command = new Command("benchmark", "Train every environment with every seed (or one shard of them), then compare with CleanRL's per-seed results");
        foreach (var option in new Option[] { envs, seeds, outputDir, shard, baseline, _config })
        {
            command.Options.Add(option);
        }

        command.Arguments.Add(_overrides);
        command.SetAction(parse => RunBenchmark(parse, parse.GetValue(envs)!, parse.GetValue(seeds)!, parse.GetValue(outputDir),
            parse.GetValue(shard), parse.GetValue(baseline), cancellation));

        var folder = new Argument<string>("folder") { Description = "The benchmark folder (-o) the shards wrote" };
        var allowMissing = new Option<bool>("--allow-missing") { Description = "Exit 0 even when some cells have no result yet" };
        var mergeBaseline = BaselineOption();
        var merge = new Command("merge", "Read every cell of a benchmark folder; write results.csv, results.md and results.png; exit 1 while cells are missing");
        merge.Arguments.Add(folder);
        merge.Options.Add(mergeBaseline);
        merge.Options.Add(allowMissing);
        merge.SetAction(parse => MergeBenchmark(parse.GetValue(folder)!, parse.GetValue(mergeBaseline), parse.GetValue(allowMissing)));
        command.Subcommands.Add(merge);
        return command;
    }

    private static Option<string?> BaselineOption() => new("--baseline")
    {
        Description = "CSV of per-seed returns to compare with (columns env_id,seed,return; default: the bundled CleanRL dqn.py results)",
    };

    private int RunBenchmark(ParseResult parse, string[] envIds, int[] seeds, string? outputDir, string? shardText, string? baselineFile, CancellationToken cancellation)
    {
        envIds = [.. envIds.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        var grid = new BenchmarkGrid(envIds, seeds);
        var shard = shardText is null ? Shard.Whole : Shard.Parse(shardText);
        if (shardText is not null && outputDir is null)
        {
            throw new CliException("--shard needs -o FOLDER: every shard writes its cells into that one (shared) folder.", ExitCodes.UsageError);
        }

        var baseline = Baseline.Load(baselineFile);

        // Resolve and validate every cell's config and check every id before training anything, so a typo fails at
        // once on every shard.
        var overrides = parse.GetValue(_overrides) ?? [];
        var configFile = parse.GetValue(_config);
        var allConfigs = grid.Cells.Select(cell =>
        {
            var config = ConfigLoader.Resolve(configFile, overrides, cell.EnvId);
            config.Seed = cell.Seed;
            ConfigLoader.Validate(config);
            return (cell, config);
        }).ToList();
        var firstConfig = allConfigs[0].config;
        var python = firstConfig.Python.Length > 0 ? firstConfig.Python : PythonFromEnvironment;
        EnvIds.ValidateAll(grid.EnvIds, () => backend.ListEnvironments(python));
        foreach (var warning in allConfigs.Select(c => c.config).SelectMany(ConfigLoader.Warnings).Distinct())
        {
            error.WriteLine($"warning: {warning}");
        }

        var inShard = shard.Select(grid).ToHashSet();
        var cells = allConfigs.Where(c => inShard.Contains(c.cell)).ToList();

        var folder = outputDir ?? Path.Combine(firstConfig.RunsDir, $"benchmark__{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}");
        AtomicFile.CreateFolder(folder, "benchmark");
        new GridManifest(grid.EnvIds, grid.Seeds, configFile, overrides).WriteOrCheck(folder);

        output.WriteLine($"Benchmark folder {folder}: shard {shard} runs {cells.Count} of {grid.Cells.Count} cells");
        var runner = new ShardRunner(new TrainingRun(backend, console, output, PlainProgressInterval), output);
        var done = runner.Run(folder, shard, cells, cancellation);
        output.WriteLine($"Shard {shard}: {done.Trained} cell(s) trained, {done.Skipped} already done.");
        if (done.Cancelled)
        {
            error.WriteLine("Interrupted: the same command trains the cells that have no result yet (an unfinished one from its start) and keeps the others.");
            return ExitCodes.Cancelled;
        }
        if (shardText is not null)
        {
            output.WriteLine($"When every shard has finished: dqnbridge benchmark merge {folder}");
            return ExitCodes.Ok;
        }
        return MergeBenchmark(folder, baselineFile, allowMissing: false, baseline);
    }

    private int MergeBenchmark(string folder, string? baselineFile, bool allowMissing, Baseline? baseline = null)
    {
        var outcome = BenchmarkMerge.Merge(folder, baseline ?? Baseline.Load(baselineFile));
        output.WriteLine();
        output.WriteLine(outcome.Markdown);
        output.WriteLine($"Results written to {Path.Combine(folder, BenchmarkMerge.ResultsCsv)}, {BenchmarkMerge.ResultsMarkdown} and {BenchmarkMerge.ResultsPlot}");
        if (outcome.Missing.Count == 0)
        {
            return ExitCodes.Ok;
        }

        error.WriteLine($"{(allowMissing ? "warning" : "error")}: {outcome.Missing.Count} of the benchmark's cells have no result yet: " +
                        string.Join(", ", outcome.Missing.Select(c => $"{c.FolderName} (cell {c.Index})")) +
                        (allowMissing ? "" : ". Run (or resubmit) the shards that own them, or pass --allow-missing."));
        return allowMissing ? ExitCodes.Ok : ExitCodes.RuntimeError;
    }

    private static string PythonFromEnvironment => Environment.GetEnvironmentVariable("DQNBRIDGE_PYTHON") ?? "";

    private int ListEnvironments(string? python)
    {
        python ??= PythonFromEnvironment;
        var backends = new Table().AddColumns("Backend", "Available", "Detail");
        foreach (var status in backend.Backends(python))
        {
            backends.AddRow(Markup.Escape(status.Name), status.Available ? "yes" : "no", Markup.Escape(status.Detail));
        }

        console.Write(backends);

        var environments = new Table().AddColumns("Environment", "Backend", "Actions", "Notes");
        foreach (var env in backend.ListEnvironments(python))
        {
            environments.AddRow(Markup.Escape(env.Id), Markup.Escape(env.Backend), Markup.Escape(env.ActionSpace), Markup.Escape(env.Notes));
        }

        console.Write(environments);
        return ExitCodes.Ok;
    }

    private Command ConfigCommand()
    {
        var markdown = new Option<bool>("--markdown") { Description = "Print a markdown table (for the README)" };
        var keys = new Command("keys", "List every config key with its type, default and meaning");
        keys.Options.Add(markdown);
        keys.SetAction(parse => PrintKeys(parse.GetValue(markdown)));

        var show = new Command("show", "Print the resolved config (defaults + file + overrides) as YAML, without training");
        AddTrainingInputs(show);
        show.SetAction(parse =>
        {
            output.Write(ConfigLoader.ToYaml(ResolveConfig(parse)));
            return ExitCodes.Ok;
        });

        var command = new Command("config", "Inspect config keys and resolved configs");
        command.Subcommands.Add(keys);
        command.Subcommands.Add(show);
        return command;
    }

    private int PrintKeys(bool markdown)
    {
        if (markdown)
        {
            output.WriteLine("| Key | Type | Default | Description |");
            output.WriteLine("|---|---|---|---|");
            foreach (var key in ConfigKeys.All)
            {
                output.WriteLine($"| `{key.Name}` | {key.TypeText.Replace("|", " \\| ")} | `{key.DefaultText}` | {key.Description} |");
            }

            return ExitCodes.Ok;
        }
        var table = new Table().AddColumns("Key", "Type", "Default", "Description");
        foreach (var key in ConfigKeys.All)
        {
            table.AddRow(Markup.Escape(key.Name), Markup.Escape(key.TypeText), Markup.Escape(key.DefaultText), Markup.Escape(key.Description));
        }

        console.Write(table);
        return ExitCodes.Ok;
    }
}
