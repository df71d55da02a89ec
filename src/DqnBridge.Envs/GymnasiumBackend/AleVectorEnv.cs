using DqnBridge.Python;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>
/// ALE's own C++ vector environment (ale_py.vector_env.AtariVectorEnv: the emulators step on C++ threads) behind
/// <see cref="IVectorEnv"/>, with same-step autoreset and one Python call per step. ALE does the Atari preprocessing
/// itself: no-op reset (up to 30), FIRE at reset, frame skip with max-pool, 84x84 gray, a frame stack padded with zeros
/// at an episode's start, and whole-game episodes (no life-loss terminal). Rewards are clipped to their sign while
/// training; <see cref="CompletedEpisodes"/> reports raw game scores. It cannot render.
/// </summary>
public sealed class AleVectorEnv : IVectorEnv
{
    private readonly PyObject driver;
    private readonly PyObject stepMethod;
    private readonly PyObject actionArray;
    private readonly byte[] observations, finalObservations;
    private readonly float[] rewards;
    private readonly bool[] terminated, truncated;
    private readonly long[] actions;
    private readonly List<CompletedEpisode> completedEpisodes = [];
    private long stepCount;
    private bool disposed;

    /// <summary>Null when ALE's vector environment can be made in the given Python, otherwise why not.</summary>
    public static string? Unavailable(string python)
    {
        GymnasiumRuntime.Require("ALE vector environment", python);
        using var gil = Py.GIL();
        using var reason = GymnasiumRuntime.Helper.InvokeMethod("ale_vector_available");
        return reason.IsNone ? null : reason.As<string>();
    }

    public static bool IsAtariId(string id) =>
        id.StartsWith("ALE/", StringComparison.Ordinal) || id.Contains("NoFrameskip", StringComparison.Ordinal);

    /// <param name="training">Rewards clipped to their sign while training; raw otherwise.</param>
    public AleVectorEnv(EnvSpec spec, bool training = true)
    {
        if (!IsAtariId(spec.Id))
        {
            throw new EnvCreationException(spec.Id, $"vectorization ale needs an Atari id (ALE/<Game>-v5 or <Game>NoFrameskip-v4), not '{spec.Id}'.");
        }
        GymnasiumRuntime.Require(spec.Id, spec.Python);
        Id = spec.Id;
        NumEnvs = spec.NumEnvs;
        using (Py.GIL())
        {
            var kwargs = new Dictionary<string, object?>
            {
                ["kwargs"] = spec.Kwargs?.ToDictionary(k => k.Key, k => (object?)k.Value) ?? new Dictionary<string, object?>(),
                ["frame_skip"] = spec.FrameSkip,
                ["frame_stack"] = spec.FrameStack,
                ["training"] = training,
            };
            try
            {
                driver = GymnasiumRuntime.Helper.InvokeMethod("AleVectorDriver", [spec.Id, spec.NumEnvs], kwargs);
            }
            catch (PythonException e)
            {
                throw new EnvCreationException(spec.Id, $"ALE's vector environment could not make {spec.Id}: {e.PythonType}: {e.PythonMessage}", e);
            }
        }
        try
        {
            using var gil = Py.GIL();
            using var observationDescription = driver.GetAttr("observation_space");
            using var actionDescription = driver.GetAttr("action_space");
            SingleObservationSpace = GymnasiumRuntime.ObservationSpace(Id, observationDescription);
            SingleActionSpace = GymnasiumRuntime.ToSpace(actionDescription) as DiscreteSpace
                ?? throw new EnvCreationException(Id, $"DQN needs a discrete action space, but {Id} has {GymnasiumRuntime.Describe(actionDescription)}.");
            stepMethod = driver.GetAttr("step");
            actions = new long[NumEnvs];
            actionArray = Numpy.FromSpan<long>(actions, NumEnvs);
        }
        catch
        {
            CloseDriver();
            throw;
        }
        int observationBytes = SingleObservationSpace.ByteSize;
        observations = new byte[NumEnvs * observationBytes];
        finalObservations = new byte[NumEnvs * observationBytes];
        rewards = new float[NumEnvs];
        terminated = new bool[NumEnvs];
        truncated = new bool[NumEnvs];
    }

    public string Id { get; }
    public int NumEnvs { get; }
    public BoxSpace SingleObservationSpace { get; }
    public DiscreteSpace SingleActionSpace { get; }
    public ReadOnlySpan<byte> Observations => observations;
    public ReadOnlySpan<byte> FinalObservations => finalObservations;
    public ReadOnlySpan<float> Rewards => rewards;
    public ReadOnlySpan<bool> Terminated => terminated;
    public ReadOnlySpan<bool> Truncated => truncated;
    public IReadOnlyList<CompletedEpisode> CompletedEpisodes => completedEpisodes;

    public void Reset(int seed)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        using var gil = Py.GIL();
        try
        {
            using var obs = driver.InvokeMethod("reset", seed);
            using var array = new NumpyArray(obs);
            CopyObservations(array, observations);
        }
        catch (PythonException e)
        {
            throw new EnvStepException(Id, stepCount, e);
        }
        completedEpisodes.Clear();
        Array.Clear(rewards);
        Array.Clear(terminated);
        Array.Clear(truncated);
    }

    public void Step(ReadOnlySpan<int> actionsToTake)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (actionsToTake.Length != NumEnvs)
        {
            throw new ArgumentException($"{Id}: expected {NumEnvs} actions (one per env), got {actionsToTake.Length}.", nameof(actionsToTake));
        }
        for (int i = 0; i < NumEnvs; i++)
        {
            if (!SingleActionSpace.Contains(actionsToTake[i]))
            {
                throw new ArgumentOutOfRangeException(nameof(actionsToTake), $"{Id}: action {actionsToTake[i]} for env {i} is outside {SingleActionSpace}.");
            }
            actions[i] = actionsToTake[i];
        }
        using var gil = Py.GIL();
        completedEpisodes.Clear();
        try
        {
            Numpy.CopyInto<long>(actions, actionArray);
            using var result = stepMethod.Call(actionArray);
            using (var obs = result.TupleItemAsArray(0)) CopyObservations(obs, observations);
            using (var final = result.TupleItemAsArray(1)) CopyObservations(final, finalObservations);
            using (var r = result.TupleItemAsArray(2)) r.CopyTo<float>(rewards);
            using (var t = result.TupleItemAsArray(3)) t.CopyTo<bool>(terminated);
            using (var t = result.TupleItemAsArray(4)) t.CopyTo<bool>(truncated);
            using var episodeDone = result.TupleItemAsArray(5);
            using var episodeReturn = result.TupleItemAsArray(6);
            using var episodeLength = result.TupleItemAsArray(7);
            ReadOnlySpan<bool> done = episodeDone.AsSpan<bool>();
            ReadOnlySpan<double> returns = episodeReturn.AsSpan<double>();
            ReadOnlySpan<long> lengths = episodeLength.AsSpan<long>();
            for (int i = 0; i < NumEnvs; i++)
            {
                if (done[i])
                {
                    completedEpisodes.Add(new CompletedEpisode(i, returns[i], checked((int)lengths[i])));
                }
            }
        }
        catch (PythonException e)
        {
            throw new EnvStepException(Id, stepCount, e);
        }
        stepCount++;
    }

    private void CopyObservations(NumpyArray array, byte[] destination)
    {
        if (array.ByteLength != destination.Length)
        {
            throw new NumpyArrayMismatchException(
                $"{Id}: observations of shape ({string.Join(", ", array.Shape)}) do not match {NumEnvs} x {SingleObservationSpace}.");
        }
        array.AsBytes().CopyTo(destination);
    }

    public RgbFrame Render(int index = 0) =>
        throw new NotSupportedException($"{Id}: ALE's vector environment does not render frames; use vectorization=sync to record or inspect them.");

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        CloseDriver();
    }

    private void CloseDriver()
    {
        if (!PythonEngine.IsInitialized)
        {
            return;
        }
        using var gil = Py.GIL();
        try
        {
            using var closed = driver.InvokeMethod("close");
        }
        catch (PythonException)
        {
            // Closing a broken environment can fail again; the objects are released regardless.
        }
        stepMethod?.Dispose();
        actionArray?.Dispose();
        driver.Dispose();
    }
}
