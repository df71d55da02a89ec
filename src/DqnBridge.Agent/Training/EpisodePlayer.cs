using DqnBridge.Agent.Networks;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Training;

/// <summary>One evaluation episode: its raw return, its return with every reward clipped to its sign (Atari training rewards), its length.</summary>
/// <param name="Return">Sum of the rewards.</param>
/// <param name="ClippedReturn">Sum of the rewards' signs.</param>
/// <param name="Length">Steps in the episode.</param>
/// <param name="Complete">False for an episode cut off by a step budget before it ended.</param>
public sealed record PlayedEpisode(double Return, double ClippedReturn, int Length, bool Complete);

/// <summary>Max, mean and min of some returns.</summary>
public sealed record ReturnStatistics(double Max, double Mean, double Min)
{
    /// <summary>The statistics of <paramref name="returns"/>; NaN for none.</summary>
    public static ReturnStatistics Of(IReadOnlyCollection<double> returns) =>
        returns.Count == 0 ? new(double.NaN, double.NaN, double.NaN) : new(returns.Max(), returns.Average(), returns.Min());
}

/// <summary>
/// Plays a Q-network epsilon-greedily on one environment without autoreset, by episodes or by a step budget.
/// The same seed gives the same episodes: the environment is reset with it and the exploration draws come from it.
/// </summary>
public static class EpisodePlayer
{
    /// <param name="network">The Q-network to play.</param>
    /// <param name="env">The environment to play on (the caller owns it).</param>
    /// <param name="episodes">Episodes to finish (when <paramref name="maxSteps"/> is 0).</param>
    /// <param name="maxSteps">When positive, a step budget instead: the episodes that finish within it count; if none does,
    /// the one cut off by the budget is returned (marked incomplete) so that an evaluation always reports something.</param>
    /// <param name="epsilon">Probability of a random action at each step.</param>
    /// <param name="seed">Seeds the environment's first reset and the exploration draws.</param>
    /// <param name="onFrame">Receives each frame before the action is taken (for videos); null renders nothing.</param>
    /// <param name="cancellation">Stops playing at the next step.</param>
    public static IReadOnlyList<PlayedEpisode> Play(
        QNetwork network, IEnv env, int episodes, long maxSteps, double epsilon, int seed, Action<RgbFrame>? onFrame = null, CancellationToken cancellation = default)
    {
        if (env.ActionSpace is not DiscreteSpace actions)
        {
            throw new ArgumentException($"DQN needs a discrete action space; {env.Id} has {env.ActionSpace}.", nameof(env));
        }
        network.UseMeanWeights(); // noisy nets act with their mean weights in evaluation
        using var policy = new GreedyPolicy(network, env.ObservationSpace.Dtype);
        var random = new SeededRandom(seed);
        var observation = new byte[env.ObservationSpace.ByteSize];
        var played = new List<PlayedEpisode>();
        long steps = 0;
        env.Reset(observation, seed);
        while (maxSteps > 0 ? steps < maxSteps : played.Count < episodes)
        {
            if (played.Count > 0 || steps > 0)
            {
                env.Reset(observation);
            }
            double total = 0, clipped = 0;
            int length = 0;
            bool ended = false;
            while (!(maxSteps > 0 && steps >= maxSteps) && !cancellation.IsCancellationRequested)
            {
                onFrame?.Invoke(env.Render());
                bool explore = random.NextDouble() < epsilon;
                int action = explore ? random.Next(actions.N) : policy.Act(observation);
                var result = env.Step(action + actions.Start, observation);
                total += result.Reward;
                clipped += Math.Sign(result.Reward);
                length++;
                steps++;
                if (result.Done)
                {
                    ended = true;
                    break;
                }
            }
            if (ended || (played.Count == 0 && length > 0))
            {
                played.Add(new PlayedEpisode(total, clipped, length, Complete: ended));
            }
            if (!ended)
            {
                break;
            }
        }
        return played;
    }
}
