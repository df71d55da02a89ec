using Python.Runtime;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>
/// ALE's own C++ vector environment (ale_py.vector_env.AtariVectorEnv: the emulators step on C++ threads), the
/// <c>ale</c> vectorization of <see cref="GymnasiumVectorEnv"/>. ALE does the Atari preprocessing itself: no-op
/// reset (up to 30), FIRE at reset, frame skip with max-pool, 84x84 gray, a frame stack padded with zeros at an
/// episode's start, and whole-game episodes (no life-loss terminal). Rewards are clipped to their sign while
/// training; completed episodes report raw game scores. It cannot render.
/// </summary>
public static class AleVector
{
    /// <summary>Null when ALE's vector environment can be made in the given Python, otherwise why not.</summary>
    public static string? Unavailable(string python)
    {
        GymnasiumRuntime.Require("ALE vector environment", python);
        using var gil = Py.GIL();
        using PyObject reason = GymnasiumRuntime.Helper.InvokeMethod("ale_vector_available");
        return reason.IsNone() ? null : reason.As<string>();
    }

    /// <summary>Whether <paramref name="id"/> names an Atari (ALE) environment.</summary>
    public static bool IsAtariId(string id) =>
        id.StartsWith("ALE/", StringComparison.Ordinal) || id.Contains("NoFrameskip", StringComparison.Ordinal);
}
