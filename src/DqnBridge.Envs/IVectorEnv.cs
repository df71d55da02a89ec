namespace DqnBridge.Envs;

/// <summary>An episode that ended during the last step, with its unclipped return.</summary>
public readonly record struct CompletedEpisode(int EnvIndex, double Return, int Length);

/// <summary>
/// N environments stepped together, with same-step autoreset: when environment i ends on a step,
/// <see cref="FinalObservations"/> holds its true last observation, and <see cref="Observations"/>
/// already holds the first observation of its next episode. All buffers belong to the vector env
/// and stay valid until the next Reset or Step.
/// </summary>
public interface IVectorEnv : IDisposable
{
    /// <summary>The environment id, e.g. <c>CartPole-v1</c>.</summary>
    string Id { get; }

    /// <summary>How many environments are stepped together.</summary>
    int NumEnvs { get; }

    /// <summary>The observation space of one environment.</summary>
    BoxSpace SingleObservationSpace { get; }

    /// <summary>The action space of one environment.</summary>
    DiscreteSpace SingleActionSpace { get; }

    /// <summary>Resets every environment, environment i with seed + i (as CleanRL does).</summary>
    void Reset(int seed);

    /// <summary>Steps every environment with its action; envs that end are reset in the same step.</summary>
    void Step(ReadOnlySpan<int> actions);

    /// <summary>NumEnvs observations, each <see cref="BoxSpace.ByteSize"/> bytes.</summary>
    ReadOnlySpan<byte> Observations { get; }

    /// <summary>For each env that ended on the last step, its real final observation; other slots are undefined.</summary>
    ReadOnlySpan<byte> FinalObservations { get; }

    /// <summary>The reward of each environment on the last step.</summary>
    ReadOnlySpan<float> Rewards { get; }

    /// <summary>Whether each environment reached a terminal state on the last step.</summary>
    ReadOnlySpan<bool> Terminated { get; }

    /// <summary>Whether each environment was cut off (time limit) on the last step.</summary>
    ReadOnlySpan<bool> Truncated { get; }

    /// <summary>Episodes that ended on the last step (a real game over, not a lost life), with unclipped returns.</summary>
    IReadOnlyList<CompletedEpisode> CompletedEpisodes { get; }

    /// <summary>The frame of environment <paramref name="index"/> (rgb_array render mode).</summary>
    RgbFrame Render(int index = 0);
}

/// <summary>
/// A vector env that keeps the observations its last Step started from (what <see cref="IVectorEnv.Observations"/>
/// held before it), as both built-in vector envs do to take a failed step back: a trainer stores them as the
/// transitions' observations without a copy of its own.
/// </summary>
public interface IKeepsObservationsBeforeStep
{
    /// <summary>NumEnvs observations, those the last Step started from; valid after a Step until the next Step, Reset or restore.</summary>
    ReadOnlySpan<byte> ObservationsBeforeStep { get; }
}

/// <summary>
/// A vector env whose complete state can be captured and restored: the built-ins save their physics,
/// RNGs and episode counters; the Gymnasium one saves what started each env's current game and the actions
/// since (or, where it cannot, its reset seed and every action since), and replays them. When the trainer's
/// environments implement it, checkpoints include it and a resumed run continues exactly; otherwise the
/// checkpoint says so and a resume starts fresh episodes.
/// </summary>
public interface IRestorableVectorEnv
{
    /// <summary>The state after the last Reset or Step, as bytes only this kind of vector env reads.</summary>
    byte[] SaveState();

    /// <summary>Puts the environments (and the current observations) back as they were when <paramref name="state"/> was saved;
    /// throws <see cref="InvalidDataException"/> when that cannot be done exactly.</summary>
    void RestoreState(byte[] state);

    /// <summary>
    /// The state before the last Step, as <see cref="SaveState"/> would have returned it then: for a checkpoint of the
    /// step before a failure that came after the environments had stepped. Null when this vector env does not keep
    /// it. Step no more afterwards (the state after the last Step is not saved again).
    /// </summary>
    byte[]? SaveStateBeforeLastStep() => null;

    /// <summary>What <c>resume</c> should say before restoring <paramref name="state"/> when that will take long
    /// (e.g. a replay of the whole run so far), or null.</summary>
    string? RestoreNotice(byte[] state) => null;
}
