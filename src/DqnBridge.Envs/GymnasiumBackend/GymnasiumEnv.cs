using DqnBridge.Python;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>One Gymnasium environment through the bridge, without autoreset (the <see cref="IEnv"/> contract).</summary>
public sealed class GymnasiumEnv : IEnv
{
    private readonly GymnasiumDriver _driver;
    private bool _disposed;

    /// <param name="training">Life loss as terminal and reward clipping (Atari) apply only while training.</param>
    public GymnasiumEnv(EnvSpec spec, bool training = false)
    {
        _driver = new GymnasiumDriver(spec, "SingleDriver", training, vectorizationMode: null);
        Id = spec.Id;
        ObservationSpace = _driver.ObservationSpace;
        ActionSpace = _driver.ActionSpace;
        MaxEpisodeSteps = _driver.MaxEpisodeSteps;
    }

    public string Id { get; }
    public BoxSpace ObservationSpace { get; }
    public Space ActionSpace { get; }
    public int? MaxEpisodeSteps { get; }

    public void Reset(Span<byte> observation, int? seed = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var gil = Py.GIL();
        using var obs = _driver.Invoke("reset", seed);
        using var array = new NumpyArray(obs);
        CopyObservation(array, observation);
    }

    public StepResult Step(int action, Span<byte> observation)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ActionSpace is not DiscreteSpace discrete)
        {
            throw new InvalidOperationException($"DQN needs a discrete action space, but {Id} has {ActionSpace}.");
        }
        if (!discrete.Contains(action))
        {
            throw new ArgumentOutOfRangeException(nameof(action), $"{Id}: action {action} is outside {discrete}.");
        }
        using var gil = Py.GIL();
        try
        {
            using var pyAction = PyObject.FromManaged(action);
            using var result = _driver.StepMethod.Invoke(pyAction);
            using (var obs = result.TupleItemAsArray(0))
            {
                CopyObservation(obs, observation);
            }
            using var reward = result.TupleItem(1);
            using var terminated = result.TupleItem(2);
            using var truncated = result.TupleItem(3);
            _driver.Steps++;
            return new StepResult(reward.As<double>(), terminated.As<bool>(), truncated.As<bool>());
        }
        catch (PythonException e)
        {
            throw _driver.Failed(e);
        }
    }

    private void CopyObservation(NumpyArray array, Span<byte> destination)
    {
        if (array.ByteLength != ObservationSpace.ByteSize || destination.Length != ObservationSpace.ByteSize)
        {
            throw new NumpyArrayMismatchException(
                $"{Id}: observation of shape ({string.Join(", ", array.Shape)}) and {array.ByteLength} bytes into a buffer of {destination.Length} bytes; expected {ObservationSpace}.");
        }
        array.AsBytes().CopyTo(destination);
    }

    public IReadOnlyDictionary<string, object?> Info
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var gil = Py.GIL();
            using var info = _driver.Invoke("plain_info");
            return ((Dictionary<object, object?>)info.ToManaged()!).ToDictionary(pair => (string)pair.Key, pair => pair.Value);
        }
    }

    public RgbFrame Render()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var gil = Py.GIL();
        using var frame = _driver.Invoke("render");
        return ToRgbFrame(Id, frame);
    }

    internal static RgbFrame ToRgbFrame(string envId, PyObject frame)
    {
        using var array = new NumpyArray(frame);
        if (array.Dtype != NumpyDtype.UInt8 || array.Rank != 3 || array.Dimension(2) != 3)
        {
            throw new NumpyArrayMismatchException($"{envId}: render() gave dtype {Numpy.Name(array.Dtype)} shape ({string.Join(", ", array.Shape)}), expected uint8 (H, W, 3); make the env with render_mode rgb_array.");
        }
        return new RgbFrame((int)array.Dimension(0), (int)array.Dimension(1), array.AsBytes().ToArray());
    }

    public void Dispose()
    {
        _disposed = true;
        _driver.Dispose();
    }
}
