using System.Diagnostics;
using DqnBridge.Agent.Replay;
using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;
using DqnBridge.Envs;

namespace DqnBridge.Benchmarks;

/// <summary>
/// Training throughput and replay memory figures:
///   train [--env CartPole-v1] [--steps 500000] [--seed 1] [--backend native|gymnasium] [--update-path both|fused|reference]
///         CleanRL's dqn.py hyperparameters with TensorBoard and checkpoints on (as the CLI runs them): steps/s,
///         process CPU time and memory, for each update path (both by default, fused first)
///   replay-memory [--transitions 1000000]                   a real 84x84x4 frame buffer, filled, with its size
/// </summary>
public static class TrainBenchmark
{
    public static int Run(string mode, Dictionary<string, string> options) => mode switch
    {
        "train" => TrainPaths(options.GetValueOrDefault("env", "CartPole-v1"), long.Parse(options.GetValueOrDefault("steps", "500000")),
            int.Parse(options.GetValueOrDefault("seed", "1")), Enum.Parse<EnvBackend>(options.GetValueOrDefault("backend", "native"), ignoreCase: true),
            options.GetValueOrDefault("update-path", "both")),
        "replay-memory" => ReplayMemory(int.Parse(options.GetValueOrDefault("transitions", "1000000"))),
        _ => throw new ArgumentException($"unknown mode {mode}"),
    };

    /// <summary>CleanRL's own dqn.py measured on this machine kind (one thread, 500k steps).</summary>
    private static readonly Dictionary<string, double> CleanRlStepsPerSecond = new()
    {
        ["CartPole-v1"] = 7145,
        ["Acrobot-v1"] = 4800,
        ["MountainCar-v0"] = 6000,
    };

    private static int TrainPaths(string envId, long steps, int seed, EnvBackend backend, string updatePath)
    {
        UpdatePath[] paths = updatePath == "both" ? [UpdatePath.Fused, UpdatePath.Reference] : [Enum.Parse<UpdatePath>(updatePath, ignoreCase: true)];
        foreach (var path in paths)
        {
            Train(envId, steps, seed, backend, path);
        }
        return 0;
    }

    private static void Train(string envId, long steps, int seed, EnvBackend backend, UpdatePath updatePath)
    {
        // As `dqnbridge --env ...` runs it: TensorBoard on, a checkpoint every 100k steps and at the end.
        var config = DqnConfig.CleanRlClassicControl();
        config.EnvId = envId;
        config.TotalTimesteps = steps;
        config.Seed = seed;
        config.UpdatePath = updatePath;
        string run = Path.Combine(Path.GetTempPath(), $"dqn-train-benchmark-{Environment.ProcessId}");
        PrintMemory("start");
        using var envs = DqnBridge.Envs.EnvFactory.MakeVector(config.ToEnvSpec() with { Backend = backend }, Console.Error.WriteLine);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        TrainingSummary summary;
        using (var trainer = new DqnTrainer(config, envs, run))
        {
            summary = trainer.Train(CancellationToken.None);
        }
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        Console.WriteLine($"{envId}, {updatePath} update: {summary.Steps} steps in {summary.WallTimeSeconds:F2} s = {summary.StepsPerSecond:F0} steps/s; "
            + $"process CPU {cpuSeconds:F2} s = {summary.Steps / cpuSeconds:F0} steps per CPU second (less sensitive to a busy machine)");
        Console.WriteLine($"  episodes {summary.Episodes}, last-100 mean return {summary.MeanReturn:F2} +- {summary.StdReturn:F2}");
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Console.WriteLine($"  managed allocation {allocated / 1e6:F1} MB in all = {(double)allocated / steps:F1} bytes per step "
            + $"(tensor handles of train steps, episode records); GC gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        if (CleanRlStepsPerSecond.TryGetValue(envId, out double cleanRl))
        {
            Console.WriteLine($"  vs CleanRL dqn.py at {cleanRl} steps/s (one thread, this machine kind): {summary.StepsPerSecond / cleanRl:F2}x (target 5x)");
        }

        PrintMemory("end");
        Directory.Delete(run, recursive: true);
    }

    private static int ReplayMemory(int transitions)
    {
        PrintMemory("start");
        var clock = Stopwatch.StartNew();
        using var buffer = new FrameReplayBuffer(transitions, [4, 84, 84]);
        // Write every slot so the memory is really committed: one long episode of distinct frames.
        var observation = new byte[4 * 84 * 84];
        var next = new byte[4 * 84 * 84];
        for (int t = 0; t < transitions; t++)
        {
            Array.Copy(next, observation, next.Length);
            Array.Copy(next, 84 * 84, next, 0, 3 * 84 * 84);
            next.AsSpan(3 * 84 * 84).Fill((byte)t);
            buffer.Add(0, observation, next, t % 4, 0, false, false);
        }
        Console.WriteLine($"FrameReplayBuffer: {transitions} transitions of 4x84x84 in {buffer.MemoryBytes:N0} bytes "
            + $"({buffer.MemoryBytes / 1e9:F3} GB, limit 7.1 GB), filled in {clock.Elapsed.TotalSeconds:F1} s");
        PrintMemory("end");
        return 0;
    }

    private static void PrintMemory(string when)
    {
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"  memory at {when}: GC heap {GC.GetTotalMemory(false) / 1e6:F1} MB, RSS {process.WorkingSet64 / 1e6:F1} MB");
    }
}
