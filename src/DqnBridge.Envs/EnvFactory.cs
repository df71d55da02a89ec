using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Envs.Native;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Envs;

/// <summary>
/// One line of <see cref="EnvFactory.ListEnvironments"/>: an id, where it can run, and its action space.
/// <paramref name="Unavailable"/> says why a registered Gymnasium id cannot be made with this Python (a missing
/// ROM, ale-py, mujoco, Box2D or OpenCV), or is null.
/// </summary>
public sealed record EnvironmentInfo(string Id, IReadOnlyList<EnvBackend> Backends, string ActionSpace, EnvUnavailability? Unavailable = null);

/// <summary>Makes environments from an <see cref="EnvSpec"/>, choosing between Gymnasium and the built-in ones.</summary>
public static class EnvFactory
{
    /// <summary>
    /// NumEnvs environments with same-step autoreset. Training-time preprocessing (Atari life loss and
    /// reward clipping) is on. <paramref name="vectorizationMode"/> ("sync", "async" or "ale"; default the spec's)
    /// applies to Gymnasium; "ale" falls back to "sync", saying why, when ale-py's vector environment cannot be imported.
    /// </summary>
    public static IVectorEnv MakeVector(EnvSpec spec, Action<string>? log = null, string? vectorizationMode = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.NumEnvs, 1, nameof(spec));
        vectorizationMode ??= spec.Vectorization;
        if (ChooseBackend(spec, log) == EnvBackend.Gymnasium)
        {
            if (vectorizationMode == "ale")
            {
                if (AleVector.Unavailable(spec.Python) is not { } reason)
                {
                    log?.Invoke($"{spec.Id}: {spec.NumEnvs} environments in ALE's C++ vector environment (vectorization ale).");
                    return new GymnasiumVectorEnv(spec, training: true, "ale");
                }
                log?.Invoke($"{spec.Id}: ALE's vector environment is not available ({reason}); falling back to vectorization sync " +
                            "(Gymnasium's Atari wrappers: life loss ends a training episode, the frame stack repeats the first frame).");
                vectorizationMode = "sync";
            }
            return new GymnasiumVectorEnv(spec, training: true, vectorizationMode);
        }
        var envs = new List<IEnv>(spec.NumEnvs);
        try
        {
            for (int i = 0; i < spec.NumEnvs; i++)
            {
                envs.Add(MakeNative(spec));
            }
        }
        catch
        {
            envs.ForEach(e => e.Dispose());
            throw;
        }
        return new SyncVectorEnv(envs);
    }

    /// <summary>
    /// One environment without autoreset, as used for evaluation and video: the preprocessing training sees (with
    /// vectorization ale, one environment of ALE's vector environment, unless frames are to be rendered), without
    /// reward clipping, and an Atari episode lasts a whole game.
    /// </summary>
    public static IEnv Make(EnvSpec spec, Action<string>? log = null)
    {
        if (ChooseBackend(spec, log) != EnvBackend.Gymnasium)
        {
            return MakeNative(spec);
        }
        bool aleVector = spec.Vectorization == "ale" && spec.RenderMode is null && AleVector.Unavailable(spec.Python) is null;
        if (spec.Vectorization == "ale" && spec.RenderMode is not null)
        {
            log?.Invoke($"{spec.Id}: ALE's vector environment cannot render, so the recorded episodes use Gymnasium's Atari wrappers " +
                        "with black stack padding (their frames differ slightly from ALE's own preprocessing).");
            spec = spec with { FrameStackPadding = FrameStackPadding.Zero };
        }
        return new GymnasiumEnv(spec, training: false, aleVector);
    }

    /// <summary>Resolves Auto to Gymnasium (when importable) or Native (when built in), and checks explicit choices.</summary>
    public static EnvBackend ChooseBackend(EnvSpec spec, Action<string>? log = null)
    {
        bool builtIn = NativeEnvs.Ids.Contains(spec.Id);
        switch (spec.Backend)
        {
            case EnvBackend.Native:
                if (!builtIn)
                {
                    throw new EnvCreationException(spec.Id, EnvProblem.UnknownId, $"There is no built-in environment '{spec.Id}'.{IdSuggestions.DidYouMean(spec.Id, NativeEnvs.Ids)} Built in: {string.Join(", ", NativeEnvs.Ids)}; use backend gymnasium for others.");
                }
                CheckNativeWrappers(spec);
                log?.Invoke($"{spec.Id}: built-in environment (backend native).");
                return EnvBackend.Native;
            case EnvBackend.Gymnasium:
                GymnasiumRuntime.Require(spec.Id, spec.Python);
                log?.Invoke($"{spec.Id}: Gymnasium from {GymnasiumRuntime.Interpreter!.Description} (backend gymnasium).");
                return EnvBackend.Gymnasium;
            default:
                if (GymnasiumRuntime.IsAvailable(spec.Python))
                {
                    log?.Invoke($"{spec.Id}: Gymnasium from {GymnasiumRuntime.Interpreter!.Description} (backend auto).");
                    return EnvBackend.Gymnasium;
                }
                if (builtIn)
                {
                    CheckNativeWrappers(spec);
                    log?.Invoke($"{spec.Id}: Gymnasium is not available, using the built-in environment (backend auto).");
                    return EnvBackend.Native;
                }
                GymnasiumRuntime.Require(spec.Id, spec.Python); // throws, explaining how to get Gymnasium
                return EnvBackend.Gymnasium;
        }
    }

    /// <summary>
    /// Every id available: the built-in ones, and Gymnasium's registry when Gymnasium is importable.
    /// Action spaces of Gymnasium-only ids are found by making each env when <paramref name="describeGymnasiumSpaces"/> is set (slow).
    /// </summary>
    public static IReadOnlyList<EnvironmentInfo> ListEnvironments(string python = "", bool describeGymnasiumSpaces = false)
    {
        var spaces = new Dictionary<string, string>();
        foreach (string id in NativeEnvs.Ids)
        {
            using var env = MakeNative(new EnvSpec(id));
            spaces[id] = env.ActionSpace.ToString()!;
        }
        var gymnasiumIds = new List<string>();
        var unavailable = new Dictionary<string, EnvUnavailability>();
        if (GymnasiumRuntime.IsAvailable(python))
        {
            using var gil = Py.GIL();
            using PyObject ids = GymnasiumRuntime.Helper.InvokeMethod("list_environments");
            gymnasiumIds = PythonValues.ToJson(ids).EnumerateArray().Select(id => id.GetString()!).ToList();
            // Each dependency (ROMs, mujoco, Box2D, OpenCV) is checked once, without making any environment.
            using PyObject reasons = GymnasiumRuntime.Helper.InvokeMethod("unavailable_environments", ids);
            foreach (var reason in PythonValues.ToJson(reasons).EnumerateObject())
            {
                unavailable[reason.Name] = EnvUnavailability.FromJson(reason.Value);
            }
        }
        var result = new List<EnvironmentInfo>();
        foreach (string id in NativeEnvs.Ids.Union(gymnasiumIds).Order(StringComparer.Ordinal))
        {
            var backends = new List<EnvBackend>();
            if (NativeEnvs.Ids.Contains(id))
            {
                backends.Add(EnvBackend.Native);
            }

            if (gymnasiumIds.Contains(id))
            {
                backends.Add(EnvBackend.Gymnasium);
            }

            if (!spaces.TryGetValue(id, out string? space))
            {
                space = describeGymnasiumSpaces ? DescribeGymnasiumActionSpace(id, python) : "-";
            }
            result.Add(new EnvironmentInfo(id, backends, space, NativeEnvs.Ids.Contains(id) ? null : unavailable.GetValueOrDefault(id)));
        }
        return result;
    }

    private static string DescribeGymnasiumActionSpace(string id, string python)
    {
        try
        {
            using var env = new GymnasiumEnv(new EnvSpec(id, Backend: EnvBackend.Gymnasium, Python: python));
            return env.ActionSpace.ToString()!;
        }
        catch (Exception e) when (e is EnvCreationException or PythonError or EnvStepException)
        {
            return "unavailable: " + e.Message.Split('\n')[0];
        }
    }

    private static IEnv MakeNative(EnvSpec spec) =>
        NativeEnvs.TryCreate(spec.Id, spec.RenderMode, out IEnv env)
            ? env
            : throw new EnvCreationException(spec.Id, EnvProblem.UnknownId, $"There is no built-in environment '{spec.Id}'.{IdSuggestions.DidYouMean(spec.Id, NativeEnvs.Ids)}");

    private static void CheckNativeWrappers(EnvSpec spec)
    {
        if (spec.Wrappers != EnvWrappers.None || spec.Kwargs is { Count: > 0 })
        {
            throw new EnvCreationException(spec.Id, EnvProblem.UnfitSetting,
                $"The built-in {spec.Id} takes no wrappers or keyword arguments (got wrappers {spec.Wrappers}, {spec.Kwargs?.Count ?? 0} keyword arguments); use backend gymnasium.");
        }
    }
}
