using System.Runtime.InteropServices;
using DqnBridge.Envs;

namespace DqnBridge.Cli.Tests;

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
            for (var x = _position * cell; x < (_position + 1) * cell; x++)
                pixels[(y * Length * cell + x) * 3] = 255;
        return new RgbFrame(height, Length * cell, pixels);
    }

    public void Dispose() { }
}

/// <summary>N corridors with same-step autoreset, as IVectorEnv specifies.</summary>
internal sealed class CorridorVectorEnv : IVectorEnv
{
    private readonly CorridorEnv[] _envs;
    private readonly byte[] _observations;
    private readonly byte[] _final;
    private readonly float[] _rewards;
    private readonly bool[] _terminated;
    private readonly bool[] _truncated;
    private readonly double[] _returns;
    private readonly int[] _lengths;
    private readonly List<CompletedEpisode> _completed = [];
    private readonly int _bytes;

    public CorridorVectorEnv(int numEnvs)
    {
        _envs = [.. Enumerable.Range(0, numEnvs).Select(_ => new CorridorEnv())];
        _bytes = SingleObservationSpace.ByteSize;
        _observations = new byte[numEnvs * _bytes];
        _final = new byte[numEnvs * _bytes];
        _rewards = new float[numEnvs];
        _terminated = new bool[numEnvs];
        _truncated = new bool[numEnvs];
        _returns = new double[numEnvs];
        _lengths = new int[numEnvs];
    }

    public string Id => "Corridor-v0";
    public int NumEnvs => _envs.Length;
    public BoxSpace SingleObservationSpace => _envs[0].ObservationSpace;
    public DiscreteSpace SingleActionSpace => (DiscreteSpace)_envs[0].ActionSpace;
    public ReadOnlySpan<byte> Observations => _observations;
    public ReadOnlySpan<byte> FinalObservations => _final;
    public ReadOnlySpan<float> Rewards => _rewards;
    public ReadOnlySpan<bool> Terminated => _terminated;
    public ReadOnlySpan<bool> Truncated => _truncated;
    public IReadOnlyList<CompletedEpisode> CompletedEpisodes => _completed;

    public void Reset(int seed)
    {
        for (var i = 0; i < NumEnvs; i++)
            _envs[i].Reset(_observations.AsSpan(i * _bytes, _bytes), seed + i);
    }

    /// <summary>Calls to <see cref="Step"/>: vector steps, each advancing every environment.</summary>
    public long VectorSteps { get; private set; }

    public void Step(ReadOnlySpan<int> actions)
    {
        VectorSteps++;
        _completed.Clear();
        for (var i = 0; i < NumEnvs; i++)
        {
            var observation = _observations.AsSpan(i * _bytes, _bytes);
            var result = _envs[i].Step(actions[i], observation);
            (_rewards[i], _terminated[i], _truncated[i]) = ((float)result.Reward, result.Terminated, result.Truncated);
            _returns[i] += result.Reward;
            _lengths[i]++;
            if (result.Done)
            {
                observation.CopyTo(_final.AsSpan(i * _bytes, _bytes));
                _completed.Add(new CompletedEpisode(i, _returns[i], _lengths[i]));
                (_returns[i], _lengths[i]) = (0, 0);
                _envs[i].Reset(observation);
            }
        }
    }

    public RgbFrame Render(int index = 0) => _envs[index].Render();

    public void Dispose() { }
}
