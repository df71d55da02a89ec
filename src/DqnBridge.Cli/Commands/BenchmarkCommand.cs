using System.CommandLine;
using DqnBridge.Cli.Benchmarking;
using DqnBridge.Cli.Config;
using DqnBridge.Cli.Output;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// `dqnbridge benchmark`: trains every environment with every seed (or one shard of the env x seed grid) into one
/// benchmark folder, then merges the cells and compares them with CleanRL's per-seed results (`benchmark merge`).
/// </summary>
public sealed class BenchmarkCommand(CommandContext context, TrainingInputs inputs)
{
    // One value per occurrence: ArgumentRewriter turns `--seeds 1 2` into `--seeds 1 --seeds 2`.
    private readonly Option<string[]> _envs = new("--envs") { Description = "Environments to train on", DefaultValueFactory = _ => [.. Benchmark.DefaultEnvironments] };
    private readonly Option<int[]> _seeds = new("--seeds") { Description = "Seeds, one run each", DefaultValueFactory = _ => [1, 2, 3] };
    private readonly Option<string?> _outputDir = new("--output", "-o") { Description = "Benchmark folder shared by all shards: one folder per cell, then results.csv, results.md, results.png (default runs_dir/benchmark__{unix_time}; required with --shard)" };
    private readonly Option<string?> _shard = new("--shard") { Description = "Run only cells K, K+N, K+2N, ... of the env x seed grid (K/N, 1-based); merge when all shards are done" };
    private readonly Option<string?> _baseline = BenchmarkMergeCommand.BaselineOption();

    /// <summary>The options in the order `benchmark --help` lists them (the shared --config among them).</summary>
    private IEnumerable<Option> Options => [_envs, _seeds, _outputDir, _shard, _baseline, inputs.Config];

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
        return command;
    }

    private int Run(ParseResult parse)
    {
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

        var inShard = shard.Select(grid).ToHashSet();
        var cells = allConfigs.Where(c => inShard.Contains(c.cell)).ToList();

        var folder = outputDir ?? Path.Combine(firstConfig.RunsDir, $"benchmark__{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}");
        AtomicFile.CreateFolder(folder, "benchmark");
        new GridManifest(grid.EnvIds, grid.Seeds, configFile, overrides).WriteOrCheck(folder);

        var output = context.Output;
        output.WriteLine($"Benchmark folder {folder}: shard {shard} runs {cells.Count} of {grid.Cells.Count} cells");
        var runner = new ShardRunner(context.NewTrainingRun(), output);
        var done = runner.Run(folder, shard, cells, context.Cancellation);
        output.WriteLine($"Shard {shard}: {done.Trained} cell(s) trained, {done.Skipped} already done.");
        if (done.Cancelled)
        {
            context.Error.WriteLine("Interrupted: the same command trains the cells that have no result yet (an unfinished one from its start) and keeps the others.");
            return ExitCodes.Cancelled;
        }
        if (shardText is not null)
        {
            output.WriteLine($"When every shard has finished: dqnbridge benchmark merge {folder}");
            return ExitCodes.Ok;
        }
        return new BenchmarkMergeCommand(context).Run(folder, baseline, allowMissing: false);
    }
}
