using System.Runtime.InteropServices;

namespace DqnBridge.Cli.Tests;

/// <summary>The CLI on the real trainer and evaluator with corridors (Corridor-v0) as its only environments.</summary>
internal static class Corridor
{
    /// <param name="makeEnv">The single environment evaluate plays (default: a corridor).</param>
    /// <param name="made">Told each vector environment training makes.</param>
    public static AgentBackend Backend(Func<IEnv>? makeEnv = null, Action<CorridorVectorEnv>? made = null) => new(
        spec =>
        {
            var envs = spec.Id == "Corridor-v0" ? new CorridorVectorEnv(spec.NumEnvs) : throw new ArgumentException($"Unknown environment '{spec.Id}'");
            made?.Invoke(envs);
            return envs;
        },
        spec => makeEnv?.Invoke() ?? new CorridorEnv(),
        _ => [new BackendStatus("test", true, "corridor only")],
        _ => [new EnvironmentListing("Corridor-v0", "test", "Discrete(2)", "")]);

    /// <summary>Settings a DQN learns the corridor with, for <paramref name="steps"/> steps.</summary>
    public static string[] ShortRun(long steps) =>
    [
        "--env", "Corridor-v0", $"total_timesteps={steps}", "learning_starts=200", "buffer_size=2000", "batch_size=32",
        "train_frequency=1", "target_network_frequency=100", "exploration_fraction=0.3", "learning_rate=1e-3",
        "hidden_sizes=[32]",
    ];

    /// <summary>
    /// Trains <see cref="ShortRun"/> plus <paramref name="overrides"/> in <paramref name="runDirectory"/> with the trainer
    /// itself (no CLI) and cancels it after <paramref name="episodes"/> episodes, as Ctrl+C would: a checkpoint to resume.
    /// </summary>
    public static void TrainAndStopAfter(int episodes, string runDirectory, long steps, params string[] overrides)
    {
        var config = ConfigLoader.Resolve(null, [.. ShortRun(steps)[2..], .. overrides], "Corridor-v0");
        using var cancel = new CancellationTokenSource();
        using var envs = new CorridorVectorEnv(config.NumEnvs);
        using var trainer = new DqnTrainer(config, envs, runDirectory, new CancelAfterEpisodes(cancel, episodes));
        Assert.IsTrue(trainer.Train(cancel.Token).Cancelled);
    }

    private sealed class CancelAfterEpisodes(CancellationTokenSource cancel, int episodes) : ITrainingObserver
    {
        private int _seen;

        public void OnEpisode(EpisodeRecord e)
        {
            if (++_seen >= episodes)
            {
                cancel.Cancel();
            }
        }

        public void OnProgress(TrainingProgress p)
        {
        }
    }
}

/// <summary>
/// A tiny test environment: walk right along a corridor of <see cref="Length"/> cells to earn 1; each step
/// costs 0.01; episodes are cut at 30 steps. A DQN learns it in a few thousand steps, which lets the tests
/// run the real trainer and evaluator without Gymnasium or the built-in environments.
/// </summary>
internal sealed class CorridorEnv : IEnv
{
    public const int Length = 6;
    private int _position;
    private int _steps;

    public string Id => "Corridor-v0";
    public BoxSpace ObservationSpace { get; } = BoxSpace.Uniform([Length], ElementType.Float32, 0, 1);
    public Space ActionSpace { get; } = new DiscreteSpace(2);
    public int? MaxEpisodeSteps => 30;

    public void Reset(Span<byte> observation, int? seed = null)
    {
        (_position, _steps) = (0, 0);
        Observe(observation);
    }

    public StepResult Step(int action, Span<byte> observation)
    {
        _position = Math.Clamp(_position + (action == 1 ? 1 : -1), 0, Length - 1);
        _steps++;
        var terminated = _position == Length - 1;
        Observe(observation);
        return new StepResult(terminated ? 1.0 : -0.01, terminated, !terminated && _steps >= MaxEpisodeSteps);
    }

    private void Observe(Span<byte> observation)
    {
        var cells = MemoryMarshal.Cast<byte, float>(observation);
        cells.Clear();
        cells[_position] = 1;
    }

    /// <summary>A 12 x (8 * Length) picture with the walker's cell lit.</summary>
    public RgbFrame Render()
    {
        const int height = 12, cell = 8;
        var pixels = new byte[height * Length * cell * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = _position * cell; x < (_position + 1) * cell; x++)
            {
                pixels[(y * Length * cell + x) * 3] = 255;
            }
        }

        return new RgbFrame(height, Length * cell, pixels);
    }

    public void Dispose() { }
}

/// <summary>N corridors with same-step autoreset, as IVectorEnv specifies.</summary>
internal sealed class CorridorVectorEnv(int numEnvs) : VectorEnvBase(
    "Corridor-v0", numEnvs, BoxSpace.Uniform([CorridorEnv.Length], ElementType.Float32, 0, 1), new DiscreteSpace(2))
{
    private readonly CorridorEnv[] _envs = [.. Enumerable.Range(0, numEnvs).Select(_ => new CorridorEnv())];
    private readonly double[] _returns = new double[numEnvs];
    private readonly int[] _lengths = new int[numEnvs];

    public override void Reset(int seed)
    {
        for (var i = 0; i < NumEnvs; i++)
        {
            _envs[i].Reset(ObservationSlot(i), seed + i);
        }

        ClearStepResults();
    }

    /// <summary>Calls to <see cref="Step"/>: vector steps, each advancing every environment.</summary>
    public long VectorSteps { get; private set; }

    public override void Step(ReadOnlySpan<int> actions)
    {
        CheckActions(actions);
        VectorSteps++;
        CompletedEpisodeList.Clear();
        for (var i = 0; i < NumEnvs; i++)
        {
            var observation = ObservationSlot(i);
            var result = _envs[i].Step(actions[i], observation);
            (RewardBuffer[i], TerminatedBuffer[i], TruncatedBuffer[i]) = ((float)result.Reward, result.Terminated, result.Truncated);
            _returns[i] += result.Reward;
            _lengths[i]++;
            if (result.Done)
            {
                observation.CopyTo(FinalObservationSlot(i));
                CompletedEpisodeList.Add(new CompletedEpisode(i, _returns[i], _lengths[i]));
                (_returns[i], _lengths[i]) = (0, 0);
                _envs[i].Reset(observation);
            }
        }
    }

    public override RgbFrame Render(int index = 0) => _envs[index].Render();
}
