namespace DqnBridge.Envs;

/// <summary>
/// What every <see cref="IVectorEnv"/> shares: its spaces and the step buffers (observations, final
/// observations, rewards, terminated, truncated, completed episodes), allocated once for NumEnvs
/// environments (pinned, so a producer outside .NET can fill them in place). A subclass fills the
/// buffers in <see cref="Reset"/> and <see cref="Step"/>.
/// </summary>
public abstract class VectorEnvBase : IVectorEnv
{
    /// <summary>Buffers for <paramref name="numEnvs"/> environments of the given spaces.</summary>
    protected VectorEnvBase(string id, int numEnvs, BoxSpace singleObservationSpace, DiscreteSpace singleActionSpace)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numEnvs, 1);
        Id = id;
        NumEnvs = numEnvs;
        SingleObservationSpace = singleObservationSpace;
        SingleActionSpace = singleActionSpace;
        ObservationBytes = singleObservationSpace.ByteSize;
        // Pinned: they never move, so a native or Python producer can write into them in place.
        ObservationBuffer = GC.AllocateArray<byte>(numEnvs * ObservationBytes, pinned: true);
        FinalObservationBuffer = GC.AllocateArray<byte>(numEnvs * ObservationBytes, pinned: true);
        RewardBuffer = GC.AllocateArray<float>(numEnvs, pinned: true);
        TerminatedBuffer = GC.AllocateArray<bool>(numEnvs, pinned: true);
        TruncatedBuffer = GC.AllocateArray<bool>(numEnvs, pinned: true);
        CompletedEpisodeList = new List<CompletedEpisode>(numEnvs);
    }

    /// <inheritdoc/>
    public string Id { get; }
    /// <inheritdoc/>
    public int NumEnvs { get; }
    /// <inheritdoc/>
    public BoxSpace SingleObservationSpace { get; }
    /// <inheritdoc/>
    public DiscreteSpace SingleActionSpace { get; }
    /// <inheritdoc/>
    public ReadOnlySpan<byte> Observations => ObservationBuffer;
    /// <inheritdoc/>
    public ReadOnlySpan<byte> FinalObservations => FinalObservationBuffer;
    /// <inheritdoc/>
    public ReadOnlySpan<float> Rewards => RewardBuffer;
    /// <inheritdoc/>
    public ReadOnlySpan<bool> Terminated => TerminatedBuffer;
    /// <inheritdoc/>
    public ReadOnlySpan<bool> Truncated => TruncatedBuffer;
    /// <inheritdoc/>
    public IReadOnlyList<CompletedEpisode> CompletedEpisodes => CompletedEpisodeList;

    /// <summary>Bytes of one environment's observation.</summary>
    protected int ObservationBytes { get; }

    /// <summary>
    /// Backing store of <see cref="Observations"/>. A subclass that no producer outside .NET writes into may swap it
    /// for another array of the same length (the sync vector env steps into two in turn).
    /// </summary>
    protected byte[] ObservationBuffer { get; set; }
    /// <summary>Backing store of <see cref="FinalObservations"/>.</summary>
    protected byte[] FinalObservationBuffer { get; }
    /// <summary>Backing store of <see cref="Rewards"/>.</summary>
    protected float[] RewardBuffer { get; }
    /// <summary>Backing store of <see cref="Terminated"/>.</summary>
    protected bool[] TerminatedBuffer { get; }
    /// <summary>Backing store of <see cref="Truncated"/>.</summary>
    protected bool[] TruncatedBuffer { get; }
    /// <summary>Backing store of <see cref="CompletedEpisodes"/>.</summary>
    protected List<CompletedEpisode> CompletedEpisodeList { get; }

    /// <summary>Environment <paramref name="index"/>'s observation in the current buffer.</summary>
    protected Span<byte> ObservationSlot(int index) => ObservationBuffer.AsSpan(index * ObservationBytes, ObservationBytes);

    /// <summary>Environment <paramref name="index"/>'s final observation (valid when it ended on the last step).</summary>
    protected Span<byte> FinalObservationSlot(int index) => FinalObservationBuffer.AsSpan(index * ObservationBytes, ObservationBytes);

    /// <summary>Clears rewards, flags and completed episodes, as after a reset.</summary>
    protected void ClearStepResults()
    {
        Array.Clear(RewardBuffer);
        Array.Clear(TerminatedBuffer);
        Array.Clear(TruncatedBuffer);
        CompletedEpisodeList.Clear();
    }

    /// <summary>Throws unless there is one action per environment, each inside the action space.</summary>
    protected void CheckActions(ReadOnlySpan<int> actions)
    {
        if (actions.Length != NumEnvs)
        {
            throw new ArgumentException($"{Id}: expected {NumEnvs} actions (one per env), got {actions.Length}.", nameof(actions));
        }
        for (int i = 0; i < actions.Length; i++)
        {
            if (!SingleActionSpace.Contains(actions[i]))
            {
                throw new ArgumentOutOfRangeException(nameof(actions), $"{Id}: action {actions[i]} for env {i} is outside {SingleActionSpace}.");
            }
        }
    }

    /// <summary>Throws unless <paramref name="index"/> names one of the environments.</summary>
    protected void CheckIndex(int index)
    {
        if ((uint)index >= (uint)NumEnvs)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{Id}: there are {NumEnvs} environments.");
        }
    }

    /// <inheritdoc/>
    public abstract void Reset(int seed);

    /// <inheritdoc/>
    public abstract void Step(ReadOnlySpan<int> actions);

    /// <inheritdoc/>
    public abstract RgbFrame Render(int index = 0);

    /// <summary>Whether Dispose has run; a subclass throws <see cref="ObjectDisposedException"/> when used after it.</summary>
    protected bool IsDisposed { get; private set; }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (IsDisposed)
        {
            return;
        }
        IsDisposed = true;
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the environments; <paramref name="disposing"/> is false from a finalizer.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
