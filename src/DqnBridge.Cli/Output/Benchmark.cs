namespace DqnBridge.Cli.Output;

/// <summary>Benchmark figures shared with single runs (the benchmark itself lives in Benchmarking/).</summary>
public static class Benchmark
{
    /// <summary>A run's result is the mean return of its last this many episodes (CleanRL's tables do the same).</summary>
    public const int LastEpisodes = 100;

    /// <summary>The environments `benchmark` trains when --envs is not given (those of CleanRL's dqn.py table).</summary>
    public static readonly IReadOnlyList<string> DefaultEnvironments = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0"];
}
