using DqnBridge.Agent.Training;

namespace DqnBridge.Cli.Config;

/// <summary>
/// The command line's one way to check config values. Each rule and the "Invalid config" message are the agent's
/// (<see cref="DqnConfig.Problems"/>, <see cref="DqnConfig.Validate"/>); here a broken rule becomes a usage error
/// (exit 2) before anything starts, and the built-in ids' versions are checked too.
/// </summary>
public static class ConfigValidation
{
    /// <summary>Throws <see cref="ConfigException"/> listing every value that cannot work, or naming the built-in id meant.</summary>
    public static void Check(DqnConfig config)
    {
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ConfigException(e.Message);
        }

        EnvIds.CheckBuiltInVersion(config.EnvId.Trim());
    }

    /// <summary>
    /// `evaluate`'s --episodes, --epsilon and --seed follow the rules of eval_episodes, eval_epsilon and eval_seed
    /// (without eval_steps: an evaluation plays whole episodes, at least one).
    /// </summary>
    public static void CheckEvaluation(int episodes, double epsilon, int seed = 0)
    {
        if (!Accepts(config => (config.EvalEpisodes, config.EvalSteps) = (episodes, 0)))
        {
            throw new ConfigException("--episodes must be at least 1.");
        }

        if (!Accepts(config => config.EvalEpsilon = epsilon))
        {
            throw new ConfigException("--epsilon must be between 0 and 1.");
        }

        if (!Accepts(config => config.EvalSeed = seed))
        {
            throw new ConfigException($"--seed must not be negative (it is {seed}); Gymnasium and NumPy seeds are non-negative.");
        }
    }

    /// <summary>Settings that are allowed but probably not meant; the command prints them as warnings and goes on.</summary>
    public static IReadOnlyList<string> Warnings(DqnConfig c)
    {
        var warnings = new List<string>();
        if (c.LearningStarts >= c.TotalTimesteps)
        {
            warnings.Add($"learning_starts ({c.LearningStarts:N0}) >= total_timesteps ({c.TotalTimesteps:N0}): the agent never trains, every action is random.");
        }

        return warnings;
    }

    /// <summary>Whether the defaults with <paramref name="change"/> applied break no rule (the defaults break none).</summary>
    private static bool Accepts(Action<DqnConfig> change)
    {
        var config = new DqnConfig();
        change(config);
        return config.Problems().Count == 0;
    }
}
