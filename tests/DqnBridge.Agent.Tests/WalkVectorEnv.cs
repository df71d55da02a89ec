using System.Runtime.InteropServices;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Tests;

/// <summary>
/// A small seeded vector env for trainer tests: a walker on -5..5 starts at a random spot, action 1
/// moves right, 0 left, with a random slip; reaching +5 terminates with reward 1, each step costs
/// 0.01, and 30 steps truncate. Same-step autoreset, true final observations, restorable state.
/// </summary>
internal sealed class WalkVectorEnv(int numEnvs = 1)
    : VectorEnvBase("Walk-v0", numEnvs, BoxSpace.Uniform([2], ElementType.Float32, -1, 1), new DiscreteSpace(2)), IRestorableVectorEnv
{
    private const int TimeLimit = 30;
    private readonly int[] _position = new int[numEnvs];
    private readonly int[] _steps = new int[numEnvs];
    private readonly double[] _returns = new double[numEnvs];
    private readonly SeededRandom[] _random = Enumerable.Range(0, numEnvs).Select(_ => new SeededRandom(0)).ToArray();

    public override void Reset(int seed)
    {
        for (int i = 0; i < NumEnvs; i++)
        {
            _random[i] = new SeededRandom(seed + i);
            StartEpisode(i);
        }
        ClearStepResults();
    }

    private void StartEpisode(int i)
    {
        _position[i] = _random[i].Next(7) - 5;
        _steps[i] = 0;
        _returns[i] = 0;
        WriteObservation(i, ObservationSlot(i));
    }

    private void WriteObservation(int i, Span<byte> destination)
    {
        var values = MemoryMarshal.Cast<byte, float>(destination);
        values[0] = _position[i] / 5f;
        values[1] = _steps[i] / (float)TimeLimit;
    }

    /// <summary>The Step call (0-based, counted from construction) that throws, as a faulty environment would; null for none.</summary>
    public long? FailAtStepCall { get; init; }

    private long _stepCalls;

    public override void Step(ReadOnlySpan<int> actions)
    {
        CheckActions(actions);
        if (_stepCalls++ == FailAtStepCall)
        {
            throw new InvalidOperationException($"Walk-v0 fails at step call {FailAtStepCall} (test fault).");
        }
        CompletedEpisodeList.Clear();
        for (int i = 0; i < NumEnvs; i++)
        {
            int move = actions[i] == 1 ? 1 : -1;
            if (_random[i].NextDouble() < 0.1)
            {
                move = -move;
            }
            _position[i] = Math.Clamp(_position[i] + move, -5, 5);
            _steps[i]++;
            TerminatedBuffer[i] = _position[i] == 5;
            TruncatedBuffer[i] = !TerminatedBuffer[i] && _steps[i] >= TimeLimit;
            RewardBuffer[i] = TerminatedBuffer[i] ? 1f : -0.01f;
            _returns[i] += RewardBuffer[i];
            WriteObservation(i, ObservationSlot(i));
            if (TerminatedBuffer[i] || TruncatedBuffer[i])
            {
                WriteObservation(i, FinalObservationSlot(i));
                CompletedEpisodeList.Add(new CompletedEpisode(i, _returns[i], _steps[i]));
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
            WriteObservation(i, ObservationSlot(i));
        }
    }

    public override RgbFrame Render(int index = 0) => throw new NotSupportedException("Walk-v0 does not render.");
}
