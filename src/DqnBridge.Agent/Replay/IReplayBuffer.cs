using DqnBridge.Agent.Training;
using DqnBridge.Envs;

namespace DqnBridge.Agent.Replay;

/// <summary>
/// Where a minibatch goes: spans over preallocated tensor memory, so sampling writes the batch
/// straight into the tensors the update reads. Observations are network-input elements
/// (float32, or uint8 for pixels), batch-major.
/// </summary>
public readonly ref struct ReplayBatch(
    Span<byte> observations, Span<byte> nextObservations, Span<long> actions, Span<float> rewards, Span<float> dones,
    Span<float> discounts, Span<float> weights, Span<int> slots)
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

    /// <summary>gamma^k, the bootstrap discount of each transition of k steps.</summary>
    public Span<float> Discounts { get; } = discounts;

    /// <summary>Importance-sampling weights (prioritized replay writes them; uniform replay leaves them at 1).</summary>
    public Span<float> Weights { get; } = weights;

    /// <summary>The slot each row was drawn from (prioritized replay writes them).</summary>
    public Span<int> Slots { get; } = slots;
}

/// <summary>
/// Hears which slots of a replay buffer hold a transition that can be drawn, so that a sampler keeping its own
/// index over the slots (<see cref="PrioritizedReplay"/>'s sum tree) stays in step with the buffer.
/// </summary>
public interface IReplaySlotObserver
{
    /// <summary>The transition at <paramref name="slot"/> is complete (all its n steps taken, or its episode over) and can be drawn.</summary>
    void OnSampleable(int slot);

    /// <summary>The transition at <paramref name="slot"/> is overwritten, or lost frames it needs, and can no longer be drawn.</summary>
    void OnRemoved(int slot);
}

/// <summary>A fixed-size store of transitions that the trainer samples, uniformly or through <see cref="PrioritizedReplay"/>.</summary>
public interface IReplayBuffer : IDisposable
{
    /// <summary>Slots a transition can be stored at (slot indices run from 0 to this minus 1).</summary>
    int SlotCount { get; }

    /// <summary>Told when slots become sampleable or stop being so; null by default.</summary>
    IReplaySlotObserver? SlotObserver { get; set; }

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
    /// The environments are about to be reset mid-episode (a resume that cannot restore them): every episode in progress
    /// ends here as if truncated, bootstrapping from <paramref name="currentObservations"/> (one per environment, as the
    /// trainer holds them), so that no return runs on into the next episode.
    /// </summary>
    void TruncateEpisodes(ReadOnlySpan<byte> currentObservations);

    /// <summary>
    /// Starts a step: from now on the buffer remembers what the Adds overwrite, so that <see cref="UndoStep"/> can put
    /// it back (a training step that fails after storing its transitions is not checkpointed half stored), with any n-step
    /// queues and a prioritized buffer's priorities. Forgets what the previous step overwrote.
    /// </summary>
    void BeginStep();

    /// <summary>Puts the buffer back as it was at the last <see cref="BeginStep"/>.</summary>
    void UndoStep();

    /// <summary>Fills every row of <paramref name="batch"/> with a uniformly drawn transition.</summary>
    void Sample(SeededRandom random, ReplayBatch batch);

    /// <summary>Writes the transition at <paramref name="slot"/> (one the observer was told is sampleable) into row <paramref name="row"/> of <paramref name="batch"/>.</summary>
    void Write(int slot, int row, ReplayBatch batch);

    /// <summary>Writes the buffer's content (for checkpoints).</summary>
    void Save(BinaryWriter writer);

    /// <summary>Reads what <see cref="Save"/> wrote.</summary>
    void Load(BinaryReader reader);
}

/// <summary>Chooses the replay buffer for an observation space.</summary>
public static class ReplayBuffers
{
    /// <summary>
    /// The buffer a config and observation space call for: frames stored once for the pixel wrappers, whole observations
    /// otherwise; n-step returns of n_step steps; drawn by priority when prioritized_replay is on.
    /// </summary>
    public static IReplayBuffer Create(DqnConfig config, BoxSpace observationSpace)
    {
        var returns = new NStepReturns(config.NStep, config.Gamma);
        IReplayBuffer buffer = StoresFrames(config, observationSpace)
            ? new FrameReplayBuffer(config.BufferSize, observationSpace.Shape, config.NumEnvs, returns)
            : new ReplayBuffer(config.BufferSize, observationSpace, config.NumEnvs, returns);
        return config.PrioritizedReplay ? new PrioritizedReplay(buffer, config.PerAlpha, config.PerEpsilon) : buffer;
    }

    /// <summary>Whether <see cref="Create"/> picks the <see cref="FrameReplayBuffer"/>.</summary>
    internal static bool StoresFrames(DqnConfig config, BoxSpace observationSpace) =>
        config.Wrappers != EnvWrappers.None && observationSpace.Dtype == ElementType.UInt8 && observationSpace.Shape.Length == 3;
}
