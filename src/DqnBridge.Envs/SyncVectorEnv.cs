using DqnBridge.Envs.Native;

namespace DqnBridge.Envs;

/// <summary>
/// N environments stepped one after another in this thread, with same-step autoreset (see
/// <see cref="IVectorEnv"/>). All buffers are allocated once; a step allocates nothing.
/// </summary>
public sealed class SyncVectorEnv : IVectorEnv, IRestorableVectorEnv
{
    readonly IEnv[] envs;
    readonly int observationBytes;
    readonly byte[] observations;
    readonly byte[] finalObservations;
    readonly float[] rewards;
    readonly bool[] terminated;
    readonly bool[] truncated;
    readonly double[] episodeReturns;
    readonly int[] episodeLengths;
    readonly List<CompletedEpisode> completedEpisodes;
    bool isReset;

    public SyncVectorEnv(IReadOnlyList<IEnv> envs)
    {
        if (envs.Count == 0) throw new ArgumentException("A vector env needs at least one environment.", nameof(envs));
        var first = envs[0];
        if (first.ActionSpace is not DiscreteSpace actionSpace)
            throw new NotSupportedException($"{first.Id}: DQN needs a discrete action space, but this one is {first.ActionSpace}.");
        foreach (var env in envs)
        {
            if (!env.ObservationSpace.Equals(first.ObservationSpace) || !env.ActionSpace.Equals(first.ActionSpace))
                throw new ArgumentException($"All environments of a vector env must share spaces; {env.Id} differs from {first.Id}.", nameof(envs));
        }

        this.envs = envs.ToArray();
        Id = first.Id;
        SingleObservationSpace = first.ObservationSpace;
        SingleActionSpace = actionSpace;
        observationBytes = first.ObservationSpace.ByteSize;
        observations = new byte[observationBytes * NumEnvs];
        finalObservations = new byte[observationBytes * NumEnvs];
        rewards = new float[NumEnvs];
        terminated = new bool[NumEnvs];
        truncated = new bool[NumEnvs];
        episodeReturns = new double[NumEnvs];
        episodeLengths = new int[NumEnvs];
        completedEpisodes = new List<CompletedEpisode>(NumEnvs);
    }

    public string Id { get; }
    public int NumEnvs => envs.Length;
    public BoxSpace SingleObservationSpace { get; }
    public DiscreteSpace SingleActionSpace { get; }
    public ReadOnlySpan<byte> Observations => observations;
    public ReadOnlySpan<byte> FinalObservations => finalObservations;
    public ReadOnlySpan<float> Rewards => rewards;
    public ReadOnlySpan<bool> Terminated => terminated;
    public ReadOnlySpan<bool> Truncated => truncated;
    public IReadOnlyList<CompletedEpisode> CompletedEpisodes => completedEpisodes;

    /// <summary>The environments themselves, in order.</summary>
    public IReadOnlyList<IEnv> Envs => envs;

    public void Reset(int seed)
    {
        for (int i = 0; i < envs.Length; i++)
        {
            envs[i].Reset(ObservationSlot(observations, i), seed + i);
            episodeReturns[i] = 0;
            episodeLengths[i] = 0;
        }
        Array.Clear(rewards);
        Array.Clear(terminated);
        Array.Clear(truncated);
        completedEpisodes.Clear();
        isReset = true;
    }

    public void Step(ReadOnlySpan<int> actions)
    {
        if (!isReset) throw new InvalidOperationException($"{Id}: call Reset before Step.");
        if (actions.Length != envs.Length)
            throw new ArgumentException($"{Id}: {actions.Length} actions for {envs.Length} environments.", nameof(actions));
        completedEpisodes.Clear();
        for (int i = 0; i < envs.Length; i++)
        {
            var slot = ObservationSlot(observations, i);
            var result = envs[i].Step(actions[i], slot);
            rewards[i] = (float)result.Reward;
            terminated[i] = result.Terminated;
            truncated[i] = result.Truncated;
            episodeReturns[i] += result.Reward;
            episodeLengths[i]++;
            if (result.Done)
            {
                slot.CopyTo(ObservationSlot(finalObservations, i));
                completedEpisodes.Add(new CompletedEpisode(i, episodeReturns[i], episodeLengths[i]));
                episodeReturns[i] = 0;
                episodeLengths[i] = 0;
                envs[i].Reset(slot);
            }
        }
    }

    public RgbFrame Render(int index = 0)
    {
        if ((uint)index >= (uint)envs.Length) throw new ArgumentOutOfRangeException(nameof(index), index, $"{Id}: there are {envs.Length} environments.");
        return envs[index].Render();
    }

    /// <summary>Every environment's whole state (they must be built-in ones) and the episode counters.</summary>
    public byte[] SaveState()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(envs.Length);
            foreach (var env in envs)
            {
                var snapshot = (env as ISnapshotEnv ?? throw new NotSupportedException($"{env.Id} cannot save its state.")).GetSnapshot();
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

    public void RestoreState(byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        int count = reader.ReadInt32();
        if (count != envs.Length)
            throw new InvalidDataException($"{Id}: the saved state is of {count} environments, this vector env has {envs.Length}.");
        foreach (var env in envs)
        {
            var snapshot = new EnvSnapshot(
                ReadArray(reader, reader.ReadDouble),
                ReadArray(reader, reader.ReadUInt64),
                reader.ReadInt32(),
                reader.ReadBoolean(),
                ReadArray(reader, reader.ReadInt64));
            (env as ISnapshotEnv ?? throw new NotSupportedException($"{env.Id} cannot restore its state.")).RestoreSnapshot(snapshot);
        }
        reader.Read(observations);
        ReadArray(reader, reader.ReadDouble).CopyTo(episodeReturns, 0);
        ReadArray(reader, reader.ReadInt32).CopyTo(episodeLengths, 0);
        completedEpisodes.Clear();
        isReset = true;
    }

    static void WriteArray<T>(BinaryWriter writer, T[] values, Action<T> write)
    {
        writer.Write(values.Length);
        foreach (var value in values) write(value);
    }

    static T[] ReadArray<T>(BinaryReader reader, Func<T> read)
    {
        var values = new T[reader.ReadInt32()];
        for (int i = 0; i < values.Length; i++) values[i] = read();
        return values;
    }

    public void Dispose()
    {
        foreach (var env in envs) env.Dispose();
    }

    Span<byte> ObservationSlot(byte[] buffer, int index) => buffer.AsSpan(index * observationBytes, observationBytes);
}
