using DqnBridge.Python;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>
/// Owns one driver object of python/dqnbridge_envs.py (VectorDriver or SingleDriver): makes it, reads
/// its spaces, closes it, and is the one place where a Python error raised while an environment runs
/// becomes an <see cref="EnvStepException"/> naming the env and the step.
/// </summary>
internal sealed class GymnasiumDriver : IDisposable
{
    private readonly PyObject _driver;
    private readonly PyObject? _stepMethod;
    private bool _disposed;

    /// <param name="vectorizationMode">null for a SingleDriver, else "sync" or "async".</param>
    public GymnasiumDriver(EnvSpec spec, string driverName, bool training, string? vectorizationMode)
    {
        GymnasiumRuntime.Require(spec.Id, spec.Python);
        EnvId = spec.Id;
        _driver = GymnasiumRuntime.MakeDriver(spec, driverName, training, vectorizationMode);
        try
        {
            using var gil = Py.GIL();
            using var observationDescription = _driver.GetAttr("observation_space");
            using var actionDescription = _driver.GetAttr("action_space");
            using var maxSteps = _driver.GetAttr("max_episode_steps");
            ObservationSpace = GymnasiumRuntime.ObservationSpace(EnvId, observationDescription);
            ActionSpace = GymnasiumRuntime.ToSpace(actionDescription)
                ?? throw new EnvCreationException(EnvId, $"{EnvId} has action space {GymnasiumRuntime.Describe(actionDescription)}, which is not supported.");
            MaxEpisodeSteps = maxSteps.IsNone ? null : maxSteps.As<int>();
            _stepMethod = _driver.GetAttr("step");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string EnvId { get; }
    public BoxSpace ObservationSpace { get; }
    public Space ActionSpace { get; }
    public int? MaxEpisodeSteps { get; }

    /// <summary>Steps taken so far, for error messages; the owner counts them.</summary>
    public long Steps { get; set; }

    /// <summary>The action space as DQN needs it, or a creation error saying what the env has instead.</summary>
    public DiscreteSpace DiscreteActionSpace() =>
        ActionSpace as DiscreteSpace ?? throw new EnvCreationException(EnvId, $"DQN needs a discrete action space, but {EnvId} has {ActionSpace}." +
            (EnvId.Contains("CarRacing", StringComparison.Ordinal) ? " Pass env_kwargs.continuous=false for CarRacing's discrete actions." : ""));

    /// <summary>The driver's step method, bound once for the hot loop; the driver owns it. Use under the GIL.</summary>
    public PyObject StepMethod => _stepMethod!;

    /// <summary>An attribute of the driver. Call under the GIL; the caller owns it.</summary>
    public PyObject GetAttr(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _driver.GetAttr(name);
    }

    /// <summary>Calls a driver method under the GIL the caller holds; a Python error becomes an <see cref="EnvStepException"/>.</summary>
    public PyObject Invoke(string method, params object?[] arguments)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return _driver.InvokeMethod(method, arguments);
        }
        catch (PythonException e)
        {
            throw Failed(e);
        }
    }

    /// <summary>The error to throw when the environment raised <paramref name="error"/>.</summary>
    public EnvStepException Failed(PythonException error) => new(EnvId, Steps, error);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!PythonEngine.IsInitialized)
        {
            return;
        }
        using var gil = Py.GIL();
        _stepMethod?.Dispose();
        try
        {
            using var closed = _driver.InvokeMethod("close");
        }
        catch (PythonException)
        {
            // Closing a broken environment can fail again; the objects are released regardless.
        }
        _driver.Dispose();
    }
}
