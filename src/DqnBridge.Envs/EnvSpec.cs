namespace DqnBridge.Envs;

/// <summary>Which implementation runs the environment.</summary>
public enum EnvBackend
{
    /// <summary>Gymnasium when it is importable, otherwise the built-in environment.</summary>
    Auto,
    /// <summary>The built-in C# environment.</summary>
    Native,
    /// <summary>Gymnasium through the embedded Python.</summary>
    Gymnasium,
}

/// <summary>Preprocessing wrapped around the environment.</summary>
public enum EnvWrappers
{
    /// <summary>No preprocessing.</summary>
    None,

    /// <summary>DQN Nature preprocessing: no-op reset, frame skip 4 with max-pool, 84x84 gray, life loss, reward clip, stack 4.</summary>
    Atari,

    /// <summary>CarRacing: 50 no-ops at reset, frame skip, crop and grayscale to 84x84, frame stack.</summary>
    CarRacing,
}

/// <summary>How the CarRacing wrapper turns the 96x96 RGB frame into an 84x84 gray one.</summary>
public enum CarRacingFrame
{
    /// <summary>The 84x96 strip above the dashboard, area-averaged to 84x84.</summary>
    Resize,

    /// <summary>img[:84, 6:90]: the same strip cropped to its middle 84 columns (the CarRacing DQN notebook).</summary>
    Crop,
}

/// <summary>What fills a frame stack's older slots at an episode's start (Gymnasium's FrameStackObservation padding_type).</summary>
public enum FrameStackPadding
{
    /// <summary>Copies of the first frame (Gymnasium's default).</summary>
    Reset,

    /// <summary>Black (zero) frames, as DQN implementations that keep a deque of zeros do.</summary>
    Zero,
}

/// <summary>Everything needed to make an environment (or N of them).</summary>
/// <param name="Id">Gymnasium id, e.g. CartPole-v1 or ALE/Pong-v5.</param>
/// <param name="NumEnvs">Number of environments in a vector env.</param>
/// <param name="Backend">Built-in, Gymnasium, or whichever is available.</param>
/// <param name="Wrappers">Pixel preprocessing to apply.</param>
/// <param name="Kwargs">Keyword arguments for gymnasium.make.</param>
/// <param name="FrameSkip">Frames per action for the pixel wrappers.</param>
/// <param name="FrameStack">Frames per observation for the pixel wrappers.</param>
/// <param name="Python">Python executable to use; empty means the default discovery.</param>
/// <param name="RenderMode">null, or "rgb_array" to allow Render().</param>
public sealed record EnvSpec(
    string Id,
    int NumEnvs = 1,
    EnvBackend Backend = EnvBackend.Auto,
    EnvWrappers Wrappers = EnvWrappers.None,
    IReadOnlyDictionary<string, object>? Kwargs = null,
    int FrameSkip = 4,
    int FrameStack = 4,
    string Python = "",
    string? RenderMode = null)
{
    /// <summary>CarRacing preprocessing variant (wrappers car_racing only).</summary>
    public CarRacingFrame CarRacingFrame { get; init; } = CarRacingFrame.Resize;

    /// <summary>What fills the frame stack's older slots at an episode's start (pixel wrappers only).</summary>
    public FrameStackPadding FrameStackPadding { get; init; } = FrameStackPadding.Reset;

    /// <summary>"sync", "async" or "ale" (ALE's own C++ vector environment).</summary>
    public string Vectorization { get; init; } = "sync";

    /// <summary>Python modules to import before the environment is made (they register custom envs); async workers import them too.</summary>
    public IReadOnlyList<string> EnvModules { get; init; } = [];

    /// <summary>The modules to import: <see cref="EnvModules"/>, then the module of an id written module:EnvId-v0, as gymnasium.make imports it.</summary>
    public IReadOnlyList<string> ModulesToImport =>
        Id.LastIndexOf(':') is > 0 and var colon ? [.. EnvModules, Id[..colon]] : EnvModules;
}
