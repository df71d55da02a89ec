namespace DqnBridge.Envs.GymnasiumBackend;

/// <summary>Gymnasium was required but is not importable from the chosen Python.</summary>
public sealed class GymnasiumNotAvailableException(string message) : Exception(message);

/// <summary>An environment could not be made: unknown id, bad keyword argument, unsupported space.</summary>
public sealed class EnvCreationException(string envId, EnvProblem problem, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The environment id.</summary>
    public string EnvId { get; } = envId;

    /// <summary>Why it could not be made.</summary>
    public EnvProblem Problem { get; } = problem;
}

/// <summary>The environment raised during reset or step; carries the env id, the step and the Python error.</summary>
public sealed class EnvStepException(string envId, long step, Exception inner)
    : Exception($"Environment {envId} failed at step {step}: {inner.Message}", inner)
{
    /// <summary>The environment id.</summary>
    public string EnvId { get; } = envId;

    /// <summary>The step at which it failed.</summary>
    public long Step { get; } = step;
}
