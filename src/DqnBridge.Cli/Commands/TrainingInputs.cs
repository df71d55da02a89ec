using System.CommandLine;
using DqnBridge.Agent.Training;
using DqnBridge.Cli.Config;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// The inputs that make a run's config (--env, --config, --run-name and key=value overrides), shared by train,
/// config show, inspect and benchmark so that each reads them the same way.
/// </summary>
public sealed class TrainingInputs
{
    public Option<string?> Env { get; } = new("--env", "-e") { Description = "Environment id, e.g. CartPole-v1 (picks CleanRL's defaults for its family)" };

    public Option<string?> Config { get; } = new("--config", "-c") { Description = "YAML file with hyperparameters (see configs/)" };

    public Option<string?> RunName { get; } = new("--run-name") { Description = "Folder name under runs_dir (default {env_id}__{exp_name}__{seed}__{unix_time})" };

    public Argument<string[]> Overrides { get; } = new("key=value") { Description = "Config overrides, e.g. learning_rate=1e-3 total_timesteps=50_000", Arity = ArgumentArity.ZeroOrMore };

    /// <summary>Adds all four, as train and config show take them.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Env);
        command.Options.Add(Config);
        command.Options.Add(RunName);
        command.Arguments.Add(Overrides);
    }

    /// <summary>Defaults for the environment's family, then the file, then the overrides; checked.</summary>
    public DqnConfig Resolve(ParseResult parse) => ConfigLoader.Resolve(parse.GetValue(Config), OverridesOf(parse), parse.GetValue(Env));

    public string[] OverridesOf(ParseResult parse) => parse.GetValue(Overrides) ?? [];
}
