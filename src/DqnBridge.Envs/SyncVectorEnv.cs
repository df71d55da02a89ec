using DqnBridge.Envs.Native;

namespace DqnBridge.Envs;

/// <summary>
/// N environments stepped one after another in this thread, with same-step autoreset (see
/// <see cref="IVectorEnv"/>). All buffers are allocated once; a step allocates nothing. The observations go into two
/// buffers in turn, so those a step started from stay as they were (<see cref="ObservationsBeforeStep"/>) without
/// being copied.
/// </summary>
public sealed class SyncVectorEnv : VectorEnvBase, IRestorableVectorEnv, IKeepsObservationsBeforeStep
{
    readonly IEnv[] _envs;
    readonly double[] _episodeReturns;
    readonly int[] _episodeLengths;
    bool _isReset;

    // The state before the last Step, for SaveStateBeforeLastStep (the envs keep theirs): whether every env can keep
    // it, and whether a Step kept it since the last Reset or RestoreState.
    readonly bool _keepsStateBeforeStep;
    bool _keptStateBeforeStep;
    // The other observation buffer: after a Step, the observations it started from.
    byte[] _observationsBeforeStep;
    readonly double[] _episodeReturnsBeforeStep;
    readonly int[] _episodeLengthsBeforeStep;

    /// <summary>Steps <paramref name="envs"/> one after the other; it owns and disposes them.</summary>
    public SyncVectorEnv(IReadOnlyList<IEnv> envs)
        : base(FirstId(envs), envs.Count, envs[0].ObservationSpace, CheckedActionSpace(envs))
    {
        _envs = envs.ToArray();
        _episodeReturns = new double[NumEnvs];
        _episodeLengths = new int[NumEnvs];
        _observationsBeforeStep = GC.AllocateArray<byte>(ObservationBuffer.Length, pinned: true);
        _episodeReturnsBeforeStep = new double[NumEnvs];
        _episodeLengthsBeforeStep = new int[NumEnvs];
        _keepsStateBeforeStep = _envs.All(env => env is ISnapshotEnv);
    }

    static string FirstId(IReadOnlyList<IEnv> envs) =>
        envs.Count > 0 ? envs[0].Id : throw new ArgumentException("A vector env needs at least one environment.", nameof(envs));

    static DiscreteSpace CheckedActionSpace(IReadOnlyList<IEnv> envs)
    {
        var first = envs[0];
        if (first.ActionSpace is not DiscreteSpace actionSpace)
        {
            throw new NotSupportedException($"{first.Id}: DQN needs a discrete action space, but this one is {first.ActionSpace}.");
        }

        foreach (var env in envs)
        {
            if (!env.ObservationSpace.Equals(first.ObservationSpace) || !env.ActionSpace.Equals(first.ActionSpace))
            {
                throw new ArgumentException($"All environments of a vector env must share spaces; {env.Id} differs from {first.Id}.", nameof(envs));
            }
        }
        return actionSpace;
    }

    /// <inheritdoc/>
    public override void Reset(int seed)
    {
        for (int i = 0; i < _envs.Length; i++)
        {
            _envs[i].Reset(ObservationSlot(i), seed + i);
            _episodeReturns[i] = 0;
            _episodeLengths[i] = 0;
        }
        ClearStepResults();
        _isReset = true;
        _keptStateBeforeStep = false;
    }

    /// <inheritdoc/>
    public override void Step(ReadOnlySpan<int> actions)
    {
        if (!_isReset)
        {
            throw new InvalidOperationException($"{Id}: call Reset before Step.");
        }

        CheckActions(actions);
        KeepStateBeforeStep();
        CompletedEpisodeList.Clear();
        // The observations this step starts from stay where they are; the step writes into the other buffer.
        (ObservationBuffer, _observationsBeforeStep) = (_observationsBeforeStep, ObservationBuffer);
        for (int i = 0; i < _envs.Length; i++)
        {
            var slot = ObservationSlot(i);
            StepResult result;
            try
            {
                result = _envs[i].Step(actions[i], slot);
            }
            catch
            {
                // As if stepped in place: the environments from this one on show the observations they had.
                _observationsBeforeStep.AsSpan(i * ObservationBytes).CopyTo(ObservationBuffer.AsSpan(i * ObservationBytes));
                throw;
            }
            RewardBuffer[i] = (float)result.Reward;
            TerminatedBuffer[i] = result.Terminated;
            TruncatedBuffer[i] = result.Truncated;
            _episodeReturns[i] += result.Reward;
            _episodeLengths[i]++;
            if (result.Done)
            {
                slot.CopyTo(FinalObservationSlot(i));
                CompletedEpisodeList.Add(new CompletedEpisode(i, _episodeReturns[i], _episodeLengths[i]));
                _episodeReturns[i] = 0;
                _episodeLengths[i] = 0;
                _envs[i].Reset(slot);
            }
        }
    }

    /// <inheritdoc/>
    public ReadOnlySpan<byte> ObservationsBeforeStep => _observationsBeforeStep;

    /// <inheritdoc/>
    public override RgbFrame Render(int index = 0)
    {
        CheckIndex(index);
        return _envs[index].Render();
    }

    /// <summary>What the environments were before this step, for <see cref="SaveStateBeforeLastStep"/> (built-in ones only), without allocating.</summary>
    void KeepStateBeforeStep()
    {
        if (!_keepsStateBeforeStep)
        {
            return;
        }
        foreach (var env in _envs)
        {
            ((ISnapshotEnv)env).KeepState();
        }
        _episodeReturns.CopyTo(_episodeReturnsBeforeStep, 0);
        _episodeLengths.CopyTo(_episodeLengthsBeforeStep, 0);
        _keptStateBeforeStep = true;
    }

    /// <summary>Every environment's whole state (they must be built-in ones) and the episode counters.</summary>
    public byte[] SaveState() =>
        WriteState([.. _envs.Select(env => (env as ISnapshotEnv ?? throw new NotSupportedException($"{env.Id} cannot save its state.")).GetSnapshot())],
            ObservationBuffer, _episodeReturns, _episodeLengths);

    /// <inheritdoc/>
    public byte[]? SaveStateBeforeLastStep() => _keptStateBeforeStep
        ? WriteState([.. _envs.Select(env => ((ISnapshotEnv)env).KeptSnapshot()!)], _observationsBeforeStep, _episodeReturnsBeforeStep, _episodeLengthsBeforeStep)
        : null;

    static byte[] WriteState(EnvSnapshot[] snapshots, byte[] observations, double[] episodeReturns, int[] episodeLengths)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(snapshots.Length);
            foreach (var snapshot in snapshots)
            {
                WriteArray(writer, snapshot.State, writer.Write);
                WriteArray(writer, snapshot.Random, writer.Write);
                writer.Write(snapshot.ElapsedSteps);
                writer.Write(snapshot.NeedsReset);
                WriteArray(writer, snapshot.Extra, writer.Write);
            }
            writer.Write(observations);
            WriteArray(writer, episodeReturns, writer.Write);
            WriteArray(writer, episodeLengths, writer.Write);
        }
        return stream.ToArray();
    }

    /// <inheritdoc/>
    public void RestoreState(byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        int count = reader.ReadInt32();
        if (count != _envs.Length)
        {
            throw new InvalidDataException($"{Id}: the saved state is of {count} environments, this vector env has {_envs.Length}.");
        }

        foreach (var env in _envs)
        {
            var snapshot = new EnvSnapshot(
                ReadArray(reader, reader.ReadDouble),
                ReadArray(reader, reader.ReadUInt64),
                reader.ReadInt32(),
                reader.ReadBoolean(),
                ReadArray(reader, reader.ReadInt64));
            (env as ISnapshotEnv ?? throw new NotSupportedException($"{env.Id} cannot restore its state.")).RestoreSnapshot(snapshot);
        }
        reader.Read(ObservationBuffer);
        ReadArray(reader, reader.ReadDouble).CopyTo(_episodeReturns, 0);
        ReadArray(reader, reader.ReadInt32).CopyTo(_episodeLengths, 0);
        CompletedEpisodeList.Clear();
        _isReset = true;
        _keptStateBeforeStep = false;
    }

    static void WriteArray<T>(BinaryWriter writer, T[] values, Action<T> write)
    {
        writer.Write(values.Length);
        foreach (var value in values)
        {
            write(value);
        }
    }

    static T[] ReadArray<T>(BinaryReader reader, Func<T> read)
    {
        var values = new T[reader.ReadInt32()];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = read();
        }

        return values;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var env in _envs)
            {
                env.Dispose();
            }
        }
    }
}
