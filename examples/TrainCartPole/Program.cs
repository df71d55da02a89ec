// DQN on CartPole-v1 with DqnBridge: train on the built-in C# environment, then evaluate the greedy policy.
// Usage: TrainCartPole [total-timesteps (default 10000)] [seed (default 1)]
using DqnBridge.Agent.Training;
using DqnBridge.Envs;

long totalTimesteps = args.Length > 0 ? long.Parse(args[0]) : 10_000;
int seed = args.Length > 1 ? int.Parse(args[1]) : 1;

// CleanRL's dqn.py hyperparameters for classic control are the defaults; only the budget is scaled down here.
var config = new DqnConfig
{
    EnvId = "CartPole-v1",
    Backend = EnvBackend.Native,
    Seed = seed,
    TotalTimesteps = totalTimesteps,
    LearningStarts = Math.Min(10_000, totalTimesteps / 4),
    ExplorationFraction = 0.5,
};
config.Validate();

string runDirectory = Path.Combine(Path.GetTempPath(), $"dqnbridge-example-{Guid.NewGuid():N}");
try
{
    // The vector environment and the trainer each have one owner: these using blocks.
    using IVectorEnv envs = EnvFactory.MakeVector(config.ToEnvSpec());
    using var trainer = new DqnTrainer(config, envs, runDirectory);
    TrainingSummary summary = trainer.Train(CancellationToken.None);
    Console.WriteLine($"trained {summary.Steps} steps, {summary.Episodes} episodes, {summary.StepsPerSecond:F0} steps/s");

    // Evaluate: 10 episodes of the greedy policy (epsilon 0) on a fresh environment.
    using IEnv evalEnv = EnvFactory.Make(config.ToEnvSpec());
    var episodes = EpisodePlayer.Play(trainer.QNetwork, evalEnv, episodes: 10, maxSteps: 0, epsilon: 0.0, seed: seed + 100);
    double meanReturn = episodes.Average(episode => episode.Return);
    Console.WriteLine($"greedy policy: mean return {meanReturn:F1} over {episodes.Count} episodes");
}
finally
{
    Directory.Delete(runDirectory, recursive: true);
}
