using DqnBridge.Envs;

namespace DqnBridge.Agent;

/// <summary>Runs a trained network for some episodes with a small epsilon, as CleanRL's evaluate does.</summary>
public static class Evaluator
{
    /// <summary>
    /// Plays <paramref name="episodes"/> episodes of <paramref name="env"/> with the checkpoint's
    /// Q-network (epsilon-greedy with <paramref name="epsilon"/>), returning each episode's return.
    /// <paramref name="onFrame"/> receives every rendered frame (the env needs render_mode rgb_array).
    /// </summary>
    public static IReadOnlyList<double> Evaluate(
        string checkpointDirectory, IEnv env, int episodes, double epsilon = 0.05, int seed = 1, Action<RgbFrame>? onFrame = null)
    {
        var checkpoint = Checkpoint.Load(checkpointDirectory);
        using var network = checkpoint.LoadQNetwork();
        return Evaluate(network, env, episodes, epsilon, seed, onFrame);
    }

    public static IReadOnlyList<double> Evaluate(
        QNetwork network, IEnv env, int episodes, double epsilon = 0.05, int seed = 1, Action<RgbFrame>? onFrame = null)
    {
        if (env.ActionSpace is not DiscreteSpace actions)
        {
            throw new ArgumentException($"DQN needs a discrete action space; {env.Id} has {env.ActionSpace}.", nameof(env));
        }
        using var policy = new GreedyPolicy(network, env.ObservationSpace.Dtype);
        var random = new SeededRandom(seed);
        var observation = new byte[env.ObservationSpace.ByteSize];
        var returns = new List<double>(episodes);
        env.Reset(observation, seed);
        for (int episode = 0; episode < episodes; episode++)
        {
            if (episode > 0)
            {
                env.Reset(observation);
            }
            double total = 0;
            while (true)
            {
                onFrame?.Invoke(env.Render());
                bool explore = random.NextDouble() < epsilon;
                int action = explore ? random.Next(actions.N) : policy.Act(observation);
                var result = env.Step(action + actions.Start, observation);
                total += result.Reward;
                if (result.Done)
                {
                    break;
                }
            }
            returns.Add(total);
        }
        return returns;
    }
}
