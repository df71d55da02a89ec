using DqnBridge.Python;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>
/// N Gymnasium environments (gymnasium.vector Sync or Async, same-step autoreset) driven through the
/// bridge with one Python call per step. Observations are copied once, from NumPy into buffers this
/// object owns; steady-state steps allocate no managed memory.
/// </summary>
public sealed class GymnasiumVectorEnv : IVectorEnv
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

    /// <param name="spec">Id, keyword arguments, wrappers, number of envs, Python.</param>
    /// <param name="training">Life loss as terminal and reward clipping (Atari) apply only while training.</param>
    /// <param name="vectorizationMode">"sync" (one process) or "async" (one subprocess per env).</param>
    public GymnasiumVectorEnv(EnvSpec spec, bool training = true, string vectorizationMode = "sync")
    {
        if (vectorizationMode is not ("sync" or "async"))
        {
            throw new ArgumentException($"vectorization_mode must be sync or async, not '{vectorizationMode}'.", nameof(vectorizationMode));
        }
        GymnasiumRuntime.Require(spec.Id, spec.Python);
        Id = spec.Id;
        NumEnvs = spec.NumEnvs;
        driver = GymnasiumRuntime.MakeDriver(spec, "VectorDriver", training, vectorizationMode);
        try
        {
            using var gil = Py.GIL();
            using var observationDescription = driver.GetAttr("observation_space");
            using var actionDescription = driver.GetAttr("action_space");
            SingleObservationSpace = GymnasiumRuntime.ObservationSpace(Id, observationDescription);
            SingleActionSpace = GymnasiumRuntime.ToSpace(actionDescription) as DiscreteSpace
                ?? throw new EnvCreationException(Id, $"DQN needs a discrete action space, but {Id} has {GymnasiumRuntime.Describe(actionDescription)}." +
                    (Id.Contains("CarRacing", StringComparison.Ordinal) ? " Pass env_kwargs.continuous=false for CarRacing's discrete actions." : ""));
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
            ReadStep(in result);
        }
        catch (PythonException e)
        {
            throw new EnvStepException(Id, stepCount, e);
        }
        stepCount++;
    }

    private void ReadStep(in PyReference result)
    {
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

    private void CopyObservations(NumpyArray array, byte[] destination)
    {
        if (array.ByteLength != destination.Length)
        {
            throw new NumpyArrayMismatchException(
                $"{Id}: observations of shape ({string.Join(", ", array.Shape)}) do not match {NumEnvs} x {SingleObservationSpace}.");
        }
        array.AsBytes().CopyTo(destination);
    }

    public RgbFrame Render(int index = 0)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        using var gil = Py.GIL();
        using var frame = driver.InvokeMethod("render", index);
        return GymnasiumEnv.ToRgbFrame(Id, frame);
    }

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
