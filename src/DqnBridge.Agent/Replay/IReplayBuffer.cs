using DqnBridge.Agent.Training;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Replay;

/// <summary>
/// Where a minibatch goes: spans over preallocated tensor memory, so sampling writes the batch
/// straight into the tensors the update reads. Observations are network-input elements
/// (float32, or uint8 for pixels), batch-major.
/// </summary>
public readonly ref struct ReplayBatch(Span<byte> observations, Span<byte> nextObservations, Span<long> actions, Span<float> rewards, Span<float> dones)
{
    /// <summary>Observations, one per transition.</summary>
    public Span<byte> Observations { get; } = observations;
    /// <summary>Next observations, one per transition.</summary>
    public Span<byte> NextObservations { get; } = nextObservations;
    /// <summary>Actions, one per transition.</summary>
    public Span<long> Actions { get; } = actions;
    /// <summary>Rewards, one per transition.</summary>
    public Span<float> Rewards { get; } = rewards;

    /// <summary>1 where the transition ended in a real termination (not a truncation), else 0.</summary>
    public Span<float> Dones { get; } = dones;
}

/// <summary>A fixed-size store of transitions that the trainer samples uniformly.</summary>
public interface IReplayBuffer : IDisposable
{
    /// <summary>Element type of the observations written into a <see cref="ReplayBatch"/>.</summary>
    ElementType InputType { get; }

    /// <summary>Bytes of one observation in a batch.</summary>
    int ObservationBytes { get; }

    /// <summary>Transitions that can be sampled now.</summary>
    int Count { get; }

    /// <summary>Bytes held by the buffer's storage.</summary>
    long MemoryBytes { get; }

    /// <summary>Stores one transition of environment <paramref name="envIndex"/>; <paramref name="nextObservation"/> is the true final one when the episode ended.</summary>
    void Add(int envIndex, ReadOnlySpan<byte> observation, ReadOnlySpan<byte> nextObservation, int action, float reward, bool terminated, bool truncated);

    /// <summary>
    /// Starts a step: from now on the buffer remembers what the Adds overwrite, so that <see cref="UndoStep"/> can put
    /// it back (a training step that fails after storing its transitions is not checkpointed half stored). Forgets
    /// what the previous step overwrote.
    /// </summary>
    void BeginStep();

    /// <summary>Puts the buffer back as it was at the last <see cref="BeginStep"/>.</summary>
    void UndoStep();

    /// <summary>Fills every row of <paramref name="batch"/> with a uniformly drawn transition.</summary>
    void Sample(SeededRandom random, ReplayBatch batch);

    /// <summary>Writes the buffer's content (for checkpoints).</summary>
    void Save(BinaryWriter writer);

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    void Load(BinaryReader reader);
}

/// <summary>Chooses the replay buffer for an observation space.</summary>
public static class ReplayBuffers
{
    /// <summary>The buffer a config and observation space call for: frames stored once for the pixel wrappers, whole observations otherwise.</summary>
    public static IReplayBuffer Create(DqnConfig config, BoxSpace observationSpace) =>
        StoresFrames(config, observationSpace)
            ? new FrameReplayBuffer(config.BufferSize, observationSpace.Shape, config.NumEnvs)
            : new ReplayBuffer(config.BufferSize, observationSpace);

    /// <summary>Whether <see cref="Create"/> picks the <see cref="FrameReplayBuffer"/>.</summary>
    internal static bool StoresFrames(DqnConfig config, BoxSpace observationSpace) =>
        config.Wrappers != EnvWrappers.None && observationSpace.Dtype == ElementType.UInt8 && observationSpace.Shape.Length == 3;
}
