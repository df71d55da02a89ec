using System.Runtime.InteropServices;
using DqnBridge.Agent;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Tests;

/// <summary>
/// A small seeded vector env for trainer tests: a walker on -5..5 starts at a random spot, action 1
/// moves right, 0 left, with a random slip; reaching +5 terminates with reward 1, each step costs
/// 0.01, and 30 steps truncate. Same-step autoreset, true final observations, restorable state.
/// </summary>
internal sealed class WalkVectorEnv : IVectorEnv, IRestorableVectorEnv
{
    private const int TimeLimit = 30;
    private readonly int[] _position;
    private readonly int[] _steps;
    private readonly double[] _returns;
    private readonly SeededRandom[] _random;
    private readonly float[] _observations;
    private readonly float[] _finalObservations;
    private readonly float[] _rewards;
    private readonly bool[] _terminated;
    private readonly bool[] _truncated;
    private readonly List<CompletedEpisode> _completed = new();

    public WalkVectorEnv(int numEnvs = 1)
    {
        NumEnvs = numEnvs;
        _position = new int[numEnvs];
        _steps = new int[numEnvs];
        _returns = new double[numEnvs];
        _random = Enumerable.Range(0, numEnvs).Select(_ => new SeededRandom(0)).ToArray();
        _observations = new float[numEnvs * 2];
        _finalObservations = new float[numEnvs * 2];
        _rewards = new float[numEnvs];
        _terminated = new bool[numEnvs];
        _truncated = new bool[numEnvs];
    }

    public string Id => "Walk-v0";
    public int NumEnvs { get; }
    public BoxSpace SingleObservationSpace { get; } = BoxSpace.Uniform([2], ElementType.Float32, -1, 1);
    public DiscreteSpace SingleActionSpace { get; } = new(2);
    public ReadOnlySpan<byte> Observations => MemoryMarshal.AsBytes(_observations.AsSpan());
    public ReadOnlySpan<byte> FinalObservations => MemoryMarshal.AsBytes(_finalObservations.AsSpan());
    public ReadOnlySpan<float> Rewards => _rewards;
    public ReadOnlySpan<bool> Terminated => _terminated;
    public ReadOnlySpan<bool> Truncated => _truncated;
    public IReadOnlyList<CompletedEpisode> CompletedEpisodes => _completed;

    public void Reset(int seed)
    {
        for (int i = 0; i < NumEnvs; i++)
        {
            _random[i] = new SeededRandom(seed + i);
            StartEpisode(i);
        }
    }

    private void StartEpisode(int i)
    {
        _position[i] = _random[i].Next(7) - 5;
        _steps[i] = 0;
        _returns[i] = 0;
        WriteObservation(i, _observations);
    }

    private void WriteObservation(int i, float[] destination)
    {
        destination[2 * i] = _position[i] / 5f;
        destination[2 * i + 1] = _steps[i] / (float)TimeLimit;
    }

    public void Step(ReadOnlySpan<int> actions)
    {
        _completed.Clear();
        for (int i = 0; i < NumEnvs; i++)
        {
            int move = actions[i] == 1 ? 1 : -1;
            if (_random[i].NextDouble() < 0.1)
            {
                move = -move;
            }
            _position[i] = Math.Clamp(_position[i] + move, -5, 5);
            _steps[i]++;
            _terminated[i] = _position[i] == 5;
            _truncated[i] = !_terminated[i] && _steps[i] >= TimeLimit;
            _rewards[i] = _terminated[i] ? 1f : -0.01f;
            _returns[i] += _rewards[i];
            WriteObservation(i, _observations);
            if (_terminated[i] || _truncated[i])
            {
                WriteObservation(i, _finalObservations);
                _completed.Add(new CompletedEpisode(i, _returns[i], _steps[i]));
                StartEpisode(i);
            }
        }
    }

    public byte[] SaveState()
    {
        using var memory = new MemoryStream();
        using var writer = new BinaryWriter(memory);
        for (int i = 0; i < NumEnvs; i++)
        {
            writer.Write(_position[i]);
            writer.Write(_steps[i]);
            writer.Write(_returns[i]);
            foreach (ulong word in _random[i].GetState())
            {
                writer.Write(word);
            }
        }
        writer.Flush();
        return memory.ToArray();
    }

    public void RestoreState(byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        for (int i = 0; i < NumEnvs; i++)
        {
            _position[i] = reader.ReadInt32();
            _steps[i] = reader.ReadInt32();
            _returns[i] = reader.ReadDouble();
            _random[i].SetState([reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64()]);
            WriteObservation(i, _observations);
        }
    }

    public RgbFrame Render(int index = 0) => throw new NotSupportedException("Walk-v0 does not render.");

    public void Dispose()
    {
    }
}
