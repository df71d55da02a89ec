using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace DqnBridge.Envs.Native;

/// <summary>
/// What the built-in classic-control environments share: Gymnasium's seeding (SeedSequence + PCG64),
/// the TimeLimit wrapper's truncation, float32 observations, and the checks Gymnasium's wrappers make.
/// </summary>
public abstract class ClassicControlEnv : IEnv, ISnapshotEnv
{
    readonly int _observationSize;
    Pcg64? _random;
    int _elapsedSteps;
    bool _needsReset = true;

    /// <summary>An environment with its id, time limit, spaces and render mode.</summary>
    protected ClassicControlEnv(string id, int maxEpisodeSteps, BoxSpace observationSpace, int actionCount, string? renderMode)
    {
        if (renderMode is not null && renderMode != "rgb_array")
        {
            throw new ArgumentException($"{id}: render_mode '{renderMode}' is not supported; use rgb_array or none.", nameof(renderMode));
        }

        Id = id;
        MaxEpisodeSteps = maxEpisodeSteps;
        ObservationSpace = observationSpace;
        ActionSpace = new DiscreteSpace(actionCount);
        RenderMode = renderMode;
        _observationSize = observationSpace.ElementCount;
    }

    /// <inheritdoc/>
    public string Id { get; }
    /// <inheritdoc/>
    public BoxSpace ObservationSpace { get; }
    /// <inheritdoc/>
    public Space ActionSpace { get; }
    /// <inheritdoc/>
    public int? MaxEpisodeSteps { get; }
    /// <inheritdoc/>
    public string? RenderMode { get; }

    /// <summary>Gymnasium's <c>np_random</c>; seeded by the first Reset.</summary>
    protected Pcg64 Random => _random ?? throw new InvalidOperationException($"{Id}: call Reset before Step.");

    /// <inheritdoc/>
    public void Reset(Span<byte> observation, int? seed = null)
    {
        var values = ObservationValues(observation);
        if (seed is int value)
        {
            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(seed), value, $"{Id}: seeds must be non-negative, as in Gymnasium.");
            }

            _random = Pcg64.FromSeed(value);
        }
        else
        {
            // Like Gymnasium, an environment never seeded draws its seed from the operating system.
            _random ??= Pcg64.FromSeed(new BigInteger(RandomNumberGenerator.GetBytes(16), isUnsigned: true));
        }
        _elapsedSteps = 0;
        _needsReset = false;
        ResetState(_random);
        WriteObservation(values);
    }

    /// <inheritdoc/>
    public StepResult Step(int action, Span<byte> observation)
    {
        var values = ObservationValues(observation);
        if (_random is null)
        {
            throw new InvalidOperationException($"{Id}: call Reset before Step.");
        }

        if ((uint)action >= (uint)((DiscreteSpace)ActionSpace).N)
        {
            throw new ArgumentOutOfRangeException(nameof(action), action, $"{Id}: action {action} is not in {ActionSpace}.");
        }

        var (reward, terminated) = Advance(action);
        _elapsedSteps++;
        bool truncated = _elapsedSteps >= MaxEpisodeSteps;
        _needsReset = terminated || truncated;
        WriteObservation(values);
        return new StepResult(reward, terminated, truncated);
    }

    /// <summary>True after a step that ended the episode, until the next Reset.</summary>
    public bool NeedsReset => _needsReset;

    /// <inheritdoc/>
    public RgbFrame Render()
    {
        if (RenderMode != "rgb_array")
        {
            throw new InvalidOperationException($"{Id}: Render needs render_mode rgb_array (it was made with {RenderMode ?? "none"}).");
        }

        if (_random is null)
        {
            throw new InvalidOperationException($"{Id}: call Reset before Render.");
        }

        return Draw();
    }

    /// <inheritdoc/>
    public void Dispose() => GC.SuppressFinalize(this);

    /// <summary>Draws the current state, 8-bit RGB.</summary>
    protected abstract RgbFrame Draw();

    /// <summary>Samples the initial state from Gymnasium's distribution.</summary>
    protected abstract void ResetState(Pcg64 rng);

    /// <summary>One step of the dynamics: the reward and whether the episode terminated.</summary>
    protected abstract (double Reward, bool Terminated) Advance(int action);

    /// <summary>The observation of the current state, cast to float32 as Gymnasium does.</summary>
    protected abstract void WriteObservation(Span<float> observation);

    /// <summary>The internal float64 state (Gymnasium's <c>env.unwrapped.state</c>).</summary>
    public double[] State
    {
        get
        {
            var state = new double[StateLength];
            WriteState(state);
            return state;
        }
    }

    /// <summary>How many values <see cref="State"/> has.</summary>
    protected abstract int StateLength { get; }

    /// <summary>Writes <see cref="State"/> into <paramref name="state"/> (<see cref="StateLength"/> values).</summary>
    protected abstract void WriteState(Span<double> state);

    /// <inheritdoc/>
    protected abstract void SetState(ReadOnlySpan<double> state);

    /// <inheritdoc/>
    public EnvSnapshot GetSnapshot() =>
        new(State, _random?.GetState() ?? [], _elapsedSteps, _needsReset, ExtraSnapshot());

    // The state KeepState copied (arrays made once), for KeptSnapshot.
    private double[]? _keptState;
    private readonly ulong[] _keptRandom = new ulong[4];
    private bool _keptHasRandom;
    private int _keptElapsedSteps;
    private bool _keptNeedsReset;
    private long[] _keptExtra = [];

    /// <inheritdoc/>
    public void KeepState()
    {
        if (_keptState is null)
        {
            _keptState = new double[StateLength];
            _keptExtra = new long[ExtraLength];
        }
        WriteState(_keptState);
        _keptHasRandom = _random is not null;
        _random?.CopyStateTo(_keptRandom);
        (_keptElapsedSteps, _keptNeedsReset) = (_elapsedSteps, _needsReset);
        WriteExtra(_keptExtra);
    }

    /// <inheritdoc/>
    public EnvSnapshot? KeptSnapshot() => _keptState is null
        ? null
        : new([.. _keptState], _keptHasRandom ? [.. _keptRandom] : [], _keptElapsedSteps, _keptNeedsReset, [.. _keptExtra]);

    /// <inheritdoc/>
    public void RestoreSnapshot(EnvSnapshot snapshot)
    {
        SetState(snapshot.State);
        _random = snapshot.Random.Length == 0 ? null : Pcg64.FromState(snapshot.Random);
        _elapsedSteps = snapshot.ElapsedSteps;
        _needsReset = snapshot.NeedsReset;
        RestoreExtra(snapshot.Extra);
    }

    private long[] ExtraSnapshot()
    {
        var extra = new long[ExtraLength];
        WriteExtra(extra);
        return extra;
    }

    /// <summary>How many further counters an environment needs to continue exactly (none by default).</summary>
    protected virtual int ExtraLength => 0;

    /// <summary>Writes those counters into <paramref name="extra"/> (<see cref="ExtraLength"/> values).</summary>
    protected virtual void WriteExtra(Span<long> extra)
    {
    }

    /// <summary>Restores state beyond <see cref="State"/> that a snapshot carried; none by default.</summary>
    protected virtual void RestoreExtra(long[] extra)
    {
    }

    Span<float> ObservationValues(Span<byte> observation)
    {
        if (observation.Length != _observationSize * sizeof(float))
        {
            throw new ArgumentException($"{Id}: the observation buffer has {observation.Length} bytes; {ObservationSpace} needs {_observationSize * sizeof(float)}.", nameof(observation));
        }

        return MemoryMarshal.Cast<byte, float>(observation);
    }
}

/// <summary>Everything a built-in environment needs to continue exactly where it was (for checkpoints).</summary>
public sealed record EnvSnapshot(double[] State, ulong[] Random, int ElapsedSteps, bool NeedsReset, long[] Extra);

/// <summary>An environment whose whole state can be saved and restored, so a resumed run continues exactly.</summary>
public interface ISnapshotEnv
{
    /// <summary>The environment's full state, RNG included.</summary>
    EnvSnapshot GetSnapshot();

    /// <summary>Puts back a state <see cref="GetSnapshot"/> took.</summary>
    void RestoreSnapshot(EnvSnapshot snapshot);

    /// <summary>Copies the current state inside the environment, without allocating (before each vector step).</summary>
    void KeepState();

    /// <summary>The state at the last <see cref="KeepState"/>, as <see cref="GetSnapshot"/> returned it then; null before.</summary>
    EnvSnapshot? KeptSnapshot();
}
