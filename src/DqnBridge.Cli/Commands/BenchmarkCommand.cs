using System.CommandLine;
using DqnBridge.Cli.Benchmarking;
using DqnBridge.Cli.Config;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// `dqnbridge benchmark`: trains every environment with every seed (or one shard of the env x seed grid) into one
/// benchmark folder, then merges the cells and compares them with CleanRL's per-seed results (`benchmark merge`);
/// with --slurm, submits the shards and the merge to Slurm instead.
/// </summary>
public sealed class BenchmarkCommand(CommandContext context, TrainingInputs inputs)
{
    /// <summary>Where `--slurm` looks for sbatch (PATH's syntax).</summary>
    public string SlurmSearchPath { get; init; } = Environment.GetEnvironmentVariable("PATH") ?? "";

    /// <summary>The command that starts this dqnbridge, which the batch scripts of `--slurm` run.</summary>
    public IReadOnlyList<string> DqnbridgeCommand { get; init; } = DqnbridgeExecutable.OfThisProcess();

    // One value per occurrence: ArgumentRewriter turns `--seeds 1 2` into `--seeds 1 --seeds 2`.
    private readonly Option<string[]> _envs = new("--envs") { Description = "Environments to train on", DefaultValueFactory = _ => [.. Benchmark.DefaultEnvironments] };
    private readonly Option<int[]> _seeds = new("--seeds") { Description = "Seeds, one run each", DefaultValueFactory = _ => [1, 2, 3] };
    private readonly Option<string?> _outputDir = new("--output", "-o") { Description = "Benchmark folder shared by all shards: one folder per cell, then results.csv, results.md, results.png (default runs_dir/benchmark__{unix_time}; required with --shard and --slurm)" };
    private readonly Option<string?> _shard = new("--shard") { Description = "Run only cells K, K+N, K+2N, ... of the env x seed grid (K/N, 1-based); merge when all shards are done" };
    private readonly Option<string?> _baseline = BenchmarkMergeCommand.BaselineOption();
    private readonly Option<bool> _slurm = new("--slurm") { Description = "Submit the grid to Slurm: write FOLDER/slurm/shards.sbatch (a job array, one task per shard) and merge.sbatch, submit both with sbatch and print the job ids" };
    // ArgumentRewriter keeps `--slurm-arg --partition=gpu` together as `--slurm-arg=--partition=gpu`.
    private readonly Option<string[]> _slurmArgs = new("--slurm-arg") { Description = "With --slurm: an sbatch option for both jobs, e.g. --slurm-arg=--partition=gpu (repeat for more)" };
    private readonly Option<int?> _shards = new("--shards") { Description = "With --slurm: the number of shards, one array task each (default: one per cell)" };
    private readonly Option<bool> _dryRun = new("--dry-run") { Description = "With --slurm: only write the batch scripts, submit nothing" };

    /// <summary>The options in the order `benchmark --help` lists them (the shared --config among them).</summary>
    private IEnumerable<Option> Options => [_envs, _seeds, _outputDir, _shard, _baseline, inputs.Config, _slurm, _shards, _slurmArgs, _dryRun];

    public Command Create()
    {
        var command = new Command("benchmark", "Train every environment with every seed (or one shard of them), then compare with CleanRL's per-seed results");
        foreach (var option in Options)
        {
            command.Options.Add(option);
        }

        command.Arguments.Add(inputs.Overrides);
        command.SetAction(Run);
        command.Subcommands.Add(new BenchmarkMergeCommand(context).Create());
        command.Subcommands.Add(new BenchmarkCompareCommand(context).Create());
        return command;
    }

    private int Run(ParseResult parse)
    {
        var slurm = SlurmRequest.From(parse.GetValue(_slurm), parse.GetValue(_shards), parse.GetValue(_slurmArgs) ?? [], parse.GetValue(_dryRun));
        var envIds = parse.GetValue(_envs)!.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        var grid = new BenchmarkGrid(envIds, parse.GetValue(_seeds)!);
        var shardText = parse.GetValue(_shard);
        var outputDir = parse.GetValue(_outputDir);
        var baselineFile = parse.GetValue(_baseline);
        var shard = shardText is null ? Shard.Whole : Shard.Parse(shardText);
        if (shardText is not null && outputDir is null)
        {
            throw new CliException("--shard needs -o FOLDER: every shard writes its cells into that one (shared) folder.", ExitCodes.UsageError);
        }

        var sbatch = slurm?.Check(grid, shardText, outputDir, SlurmSearchPath);
        var baseline = Baseline.Load(baselineFile);

        // Resolve and validate every cell's config and check every id before training anything, so a typo fails at
        // once on every shard.
        var overrides = inputs.OverridesOf(parse);
        var configFile = parse.GetValue(inputs.Config);
        var allConfigs = grid.Cells.Select(cell =>
        {
            var config = ConfigLoader.Resolve(configFile, overrides, cell.EnvId);
            config.Seed = cell.Seed;
            ConfigValidation.Check(config);
            return (cell, config);
        }).ToList();
        var firstConfig = allConfigs[0].config;
        var python = firstConfig.Python.Length > 0 ? firstConfig.Python : CommandContext.PythonFromEnvironment;
        EnvIds.ValidateAll(grid.EnvIds, () => context.Backend.ListEnvironments(python));
        foreach (var warning in allConfigs.Select(c => c.config).SelectMany(ConfigValidation.Warnings).Distinct())
        {
            context.Error.WriteLine($"warning: {warning}");
        }

        if (slurm is null)
        {
            // Each environment of the grid is made once, with its cells' wrappers: continuous actions or preprocessing
            // that does not fit stop here, not when that environment's first cell starts.
            foreach (var (_, config) in allConfigs.DistinctBy(c => c.cell.EnvId))
            {
                context.Backend.CheckEnvironment(config);
            }
        }

        var inShard = shard.Select(grid).ToHashSet();
        var cells = allConfigs.Where(c => inShard.Contains(c.cell)).ToList();

        var folder = outputDir ?? Path.Combine(firstConfig.RunsDir, $"benchmark__{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}");
        AtomicFile.CreateFolder(folder, "benchmark");
        new GridManifest(grid.EnvIds, grid.Seeds, configFile, overrides).WriteOrCheck(folder);

        if (slurm is not null)
        {
            var plan = new SlurmJobPlan(DqnbridgeCommand, Environment.CurrentDirectory, Path.GetFullPath(folder), grid, slurm.Shards ?? grid.Cells.Count,
                configFile is null ? null : Path.GetFullPath(configFile), baselineFile is null ? null : Path.GetFullPath(baselineFile), overrides, slurm.Args);
            return SubmitToSlurm(plan, sbatch);
        }

        var output = context.Output;
        output.WriteLine($"Benchmark folder {folder}: shard {shard} runs {cells.Count} of {grid.Cells.Count} cells");
        var runner = new ShardRunner(context.NewTrainingRun(), output);
        var done = runner.Run(folder, shard, cells, context.Cancellation);
        output.WriteLine($"Shard {shard}: {done.Trained} cell(s) trained, {done.Skipped} already done" +
                         (done.Resumed > 0 ? $", {done.Resumed} resumed from a checkpoint." : "."));
        if (done.Cancelled)
        {
            context.Error.WriteLine("Interrupted: the same command trains the cells that have no result yet (an interrupted one resumes from its checkpoint) and keeps the others.");
            return ExitCodes.Cancelled;
        }
        if (done.Busy.Count > 0)
        {
            context.Error.WriteLine($"error: {done.Busy.Count} cell(s) of shard {shard} are being trained by another process (another job given the same shard?): " +
                                    string.Join(", ", done.Busy.Select(c => c.FolderName)) + ". They get their results there; merge once it has ended.");
            return ExitCodes.RuntimeError;
        }
        if (shardText is not null)
        {
            output.WriteLine($"When every shard has finished: dqnbridge benchmark merge {ShellWords.Quote(folder)}");
            return ExitCodes.Ok;
        }
        return new BenchmarkMergeCommand(context).Run(folder, baseline, allowMissing: false);
    }

    /// <summary>Writes the plan's batch scripts and submits them with <paramref name="sbatch"/> (null: --dry-run, submit nothing).</summary>
    private int SubmitToSlurm(SlurmJobPlan plan, Sbatch? sbatch)
    {
        var submission = new SlurmSubmission(plan, context.Output);
        submission.WriteScripts();
        if (sbatch is null)
        {
            submission.PrintDryRun();
        }
        else
        {
            submission.Submit(sbatch);
        }

        return ExitCodes.Ok;
    }
}
