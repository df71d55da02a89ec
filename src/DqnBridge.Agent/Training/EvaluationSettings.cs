namespace DqnBridge.Agent.Training;

/// <summary>
/// How an evaluation plays: <see cref="Episodes"/> episodes (or, with a positive step budget <see cref="Steps"/>, the
/// episodes that finish within it) with exploration <see cref="Epsilon"/>. <see cref="Problems"/> holds the rules for
/// these values, for the config's eval_episodes, eval_epsilon and eval_steps (<see cref="DqnConfig.Problems"/>) and for
/// the evaluate command's options alike.
/// </summary>
public sealed record EvaluationSettings(int Episodes, double Epsilon, long Steps = 0)
{
    /// <summary>What each evaluation during training runs (eval_episodes, eval_epsilon, eval_steps).</summary>
    public static EvaluationSettings Of(DqnConfig config) => new(config.EvalEpisodes, config.EvalEpsilon, config.EvalSteps);

    /// <summary>
    /// One line per value that cannot work, each named as the user wrote it: the config keys by default. A caller
    /// without a step budget (the evaluate command) passes its option names and no <paramref name="stepsName"/>.
    /// </summary>
    public IReadOnlyList<string> Problems(string episodesName = "eval_episodes", string epsilonName = "eval_epsilon", string? stepsName = "eval_steps")
    {
        var problems = new List<string>();
        if (stepsName is null)
        {
            if (Episodes < 1)
            {
                problems.Add($"{episodesName} must be at least 1 (it is {Episodes})");
            }
        }
        else if (!(Episodes >= 1 || (Episodes == 0 && Steps > 0)))
        {
            problems.Add($"{episodesName} must be at least 1, or 0 with {stepsName} > 0 (it is {Episodes})");
        }
        if (Epsilon is not (>= 0 and <= 1))
        {
            problems.Add($"{epsilonName} must be in [0, 1] (it is {Epsilon})");
        }
        if (stepsName is not null && Steps < 0)
        {
            problems.Add($"{stepsName} must not be negative, 0 uses {episodesName} (it is {Steps})");
        }
        return problems;
    }
}
