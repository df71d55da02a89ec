using System.Runtime.InteropServices;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Tests;

/// <summary>
/// Gymnasium's CartPole-v1 dynamics (Euler, 500-step limit) as a single-env vector env, standing
/// in for the environment layer's built-in one in these agent tests. Its own seeded RNG draws the
/// initial state, so runs are reproducible; the state is restorable for resume tests.
/// </summary>
internal sealed class CartPoleDouble : IVectorEnv, IRestorableVectorEnv
{
    private const float Gravity = 9.8f, MassCart = 1.0f, MassPole = 0.1f, Length = 0.5f, ForceMag = 10f, Tau = 0.02f;
    private const float TotalMass = MassCart + MassPole, PoleMassLength = MassPole * Length;
    private const float ThetaLimit = 12 * 2 * MathF.PI / 360, XLimit = 2.4f;
    private const int TimeLimit = 500;

    private readonly float[] _state = new float[4];
    private readonly float[] _final = new float[4];
    private readonly float[] _reward = [1f];
    private readonly bool[] _terminated = new bool[1];
    private readonly bool[] _truncated = new bool[1];
    private readonly List<CompletedEpisode> _completed = new();
    private ReplayRandom _random = new(0);
    private int _steps;

    public string Id => "CartPole-v1";
    public int NumEnvs => 1;
    public BoxSpace SingleObservationSpace { get; } = BoxSpace.Uniform([4], ElementType.Float32, -5, 5);
    public DiscreteSpace SingleActionSpace { get; } = new(2);
    public ReadOnlySpan<byte> Observations => MemoryMarshal.AsBytes(_state.AsSpan());
    public ReadOnlySpan<byte> FinalObservations => MemoryMarshal.AsBytes(_final.AsSpan());
    public ReadOnlySpan<float> Rewards => _reward;
    public ReadOnlySpan<bool> Terminated => _terminated;
    public ReadOnlySpan<bool> Truncated => _truncated;
    public IReadOnlyList<CompletedEpisode> CompletedEpisodes => _completed;

    public void Reset(int seed)
    {
        _random = new ReplayRandom(seed);
        StartEpisode();
    }

    private void StartEpisode()
    {
        for (int i = 0; i < 4; i++)
        {
            _state[i] = (float)(_random.NextDouble() * 0.1 - 0.05);
        }
        _steps = 0;
    }

    public void Step(ReadOnlySpan<int> actions)
    {
        _completed.Clear();
        float x = _state[0], xDot = _state[1], theta = _state[2], thetaDot = _state[3];
        float force = actions[0] == 1 ? ForceMag : -ForceMag;
        float cos = MathF.Cos(theta), sin = MathF.Sin(theta);
        float temp = (force + PoleMassLength * thetaDot * thetaDot * sin) / TotalMass;
        float thetaAcc = (Gravity * sin - cos * temp) / (Length * (4f / 3f - MassPole * cos * cos / TotalMass));
        float xAcc = temp - PoleMassLength * thetaAcc * cos / TotalMass;
        _state[0] = x + Tau * xDot;
        _state[1] = xDot + Tau * xAcc;
        _state[2] = theta + Tau * thetaDot;
        _state[3] = thetaDot + Tau * thetaAcc;
        _steps++;
        _terminated[0] = MathF.Abs(_state[0]) > XLimit || MathF.Abs(_state[2]) > ThetaLimit;
        _truncated[0] = !_terminated[0] && _steps >= TimeLimit;
        if (_terminated[0] || _truncated[0])
        {
            _state.CopyTo(_final, 0);
            _completed.Add(new CompletedEpisode(0, _steps, _steps));
            StartEpisode();
        }
    }

    public byte[] SaveState()
    {
        var bytes = new byte[16 + 4 + 32];
        MemoryMarshal.AsBytes(_state.AsSpan()).CopyTo(bytes);
        BitConverter.TryWriteBytes(bytes.AsSpan(16), _steps);
        MemoryMarshal.AsBytes(_random.GetState().AsSpan()).CopyTo(bytes.AsSpan(20));
        return bytes;
    }

    public void RestoreState(byte[] state)
    {
        MemoryMarshal.Cast<byte, float>(state.AsSpan(0, 16)).CopyTo(_state);
        _steps = BitConverter.ToInt32(state, 16);
        _random.SetState(MemoryMarshal.Cast<byte, ulong>(state.AsSpan(20, 32)));
    }

    public RgbFrame Render(int index = 0) => throw new NotSupportedException("The test CartPole does not render.");

    public void Dispose()
    {
    }
}
