using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>
/// Owns one driver object of python/dqnbridge/drivers.py (VectorDriver, AleVectorDriver or SingleDriver): makes it, reads
/// its spaces, binds its step results to memory the caller owns, closes it, and is the one place where a Python error
/// raised while an environment runs becomes an <see cref="EnvStepException"/> naming the env and the step.
/// </summary>
internal sealed class GymnasiumDriver : IDisposable
{
    private readonly PyObject _driver;
    private PyObject? _stepMethod;
    private PyTuple? _stepArguments;
    private bool _disposed;

    /// <param name="spec">The environment and its wrappers.</param>
    /// <param name="driverName">The driver class in dqnbridge_envs.py.</param>
    /// <param name="training">Whether training-only wrappers (Atari life loss, reward clipping) apply.</param>
    /// <param name="vectorizationMode">null for a SingleDriver, else "sync", "async" or "ale".</param>
    public GymnasiumDriver(EnvSpec spec, string driverName, bool training, string? vectorizationMode)
    {
        GymnasiumRuntime.Require(spec.Id, spec.Python);
        EnvId = spec.Id;
        _driver = GymnasiumRuntime.MakeDriver(spec, driverName, training, vectorizationMode);
        try
        {
            using var gil = Py.GIL();
            using PyObject observationDescription = _driver.GetAttr("observation_space");
            using PyObject actionDescription = _driver.GetAttr("action_space");
            using PyObject maxSteps = _driver.GetAttr("max_episode_steps");
            ObservationSpace = GymnasiumRuntime.ObservationSpace(EnvId, observationDescription);
            ActionSpace = GymnasiumRuntime.ToSpace(actionDescription)
                ?? throw new EnvCreationException(EnvId, EnvProblem.NotDiscreteActions, $"{EnvId} has action space {GymnasiumRuntime.Describe(actionDescription)}, which is not supported.");
            MaxEpisodeSteps = maxSteps.IsNone() ? null : maxSteps.As<int>();
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
        ActionSpace as DiscreteSpace ?? throw new EnvCreationException(EnvId, EnvProblem.NotDiscreteActions, $"DQN needs a discrete action space, but {EnvId} has {ActionSpace}." +
            (EnvId.Contains("CarRacing", StringComparison.Ordinal) ? " Pass env_kwargs.continuous=false for CarRacing's discrete actions." : ""));

    /// <summary>
    /// Binds the driver's step results to <paramref name="memory"/> ({field: (address, byte length)} of pinned arrays the
    /// caller owns and keeps alive as long as this driver), and its method <paramref name="stepMethod"/> to
    /// <paramref name="stepArguments"/> (the driver owns them from now on): <see cref="Step"/> then calls
    /// <c>stepMethod(*stepArguments)</c>. Call under the GIL.
    /// </summary>
    public void Bind(IReadOnlyDictionary<string, (long Address, long Bytes)> memory, string stepMethod, params PyObject[] stepArguments)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using PyObject fields = PythonValues.ToPython(memory);
        using PyObject bound = Invoke("bind", fields);
        _stepMethod = _driver.GetAttr(stepMethod);
        _stepArguments = new PyTuple(stepArguments);
        foreach (PyObject argument in stepArguments)
        {
            argument.Dispose();
        }
    }

    /// <summary>
    /// One step: one Python call, whose results land in the bound memory; the only object made is the call's small
    /// result, disposed at once. Call under the GIL; a Python error becomes an <see cref="EnvStepException"/>.
    /// </summary>
    public void Step()
    {
        try
        {
            using PyObject result = _stepMethod!.Invoke(_stepArguments!);
        }
        catch (PythonException e)
        {
            throw Failed(e);
        }
    }

    /// <summary>An attribute of the driver. Call under the GIL; the caller owns it.</summary>
    public PyObject GetAttr(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _driver.GetAttr(name);
    }

    /// <summary>
    /// Calls a driver method with arguments converted by <see cref="PythonValues.ToPython"/>, under the GIL the caller
    /// holds; a Python error becomes an <see cref="EnvStepException"/>. The caller owns the result.
    /// </summary>
    public PyObject Invoke(string method, params object?[] arguments)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using PyTuple tuple = PythonValues.Tuple(arguments);
        using PyObject function = _driver.GetAttr(method);
        try
        {
            return function.Invoke(tuple);
        }
        catch (PythonException e)
        {
            throw Failed(e);
        }
    }

    /// <summary>The error to throw when the environment raised <paramref name="error"/>. Call under the GIL.</summary>
    public EnvStepException Failed(PythonException error) => new(EnvId, Steps, PythonError.From(error));

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
        _stepArguments?.Dispose();
        try
        {
            using PyObject closed = _driver.InvokeMethod("close");
        }
        catch (PythonException)
        {
            // Closing a broken environment can fail again; the objects are released regardless.
        }
        _driver.Dispose();
    }
}
