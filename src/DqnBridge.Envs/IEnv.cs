namespace DqnBridge.Envs;

/// <summary>What one <see cref="IEnv.Step"/> returns besides the observation.</summary>
public readonly record struct StepResult(double Reward, bool Terminated, bool Truncated)
{
    /// <summary>Terminated or truncated: the episode is over.</summary>
    public bool Done => Terminated || Truncated;
}

/// <summary>An RGB frame from <c>render()</c> in <c>rgb_array</c> mode: Height x Width x 3 bytes, row-major.</summary>
public sealed record RgbFrame(int Height, int Width, byte[] Pixels);

/// <summary>
/// One environment with Gymnasium 1.x semantics. Observations are written into a caller-owned
/// span of <see cref="BoxSpace.ByteSize"/> bytes (raw elements of <see cref="BoxSpace.Dtype"/>),
/// so stepping allocates nothing.
/// </summary>
public interface IEnv : IDisposable
{
    /// <summary>The Gymnasium id, e.g. <c>CartPole-v1</c>.</summary>
    string Id { get; }

    /// <summary>The space observations belong to.</summary>
    BoxSpace ObservationSpace { get; }

    /// <summary>The space actions belong to (DQN needs a <see cref="DiscreteSpace"/>).</summary>
    Space ActionSpace { get; }

    /// <summary>The time limit in steps, or null when there is none.</summary>
    int? MaxEpisodeSteps { get; }

    /// <summary>Gymnasium's <c>reset(seed=seed)</c>; a null seed continues the environment's own RNG.</summary>
    void Reset(Span<byte> observation, int? seed = null);

    /// <summary>Gymnasium's <c>step(action)</c> for a discrete action.</summary>
    StepResult Step(int action, Span<byte> observation);

    /// <summary>The current frame; needs the environment to be made with render_mode rgb_array.</summary>
    RgbFrame Render();

    /// <summary>
    /// Gymnasium's info dict from the last Reset or Step, as .NET values (dictionaries, lists, strings, long,
    /// double, bool). Converted only when asked for; empty for the built-in environments, as Gymnasium's are.
    /// </summary>
    IReadOnlyDictionary<string, object?> Info => EmptyInfo.Value;
}

internal static class EmptyInfo
{
    public static readonly IReadOnlyDictionary<string, object?> Value = new Dictionary<string, object?>();
}
