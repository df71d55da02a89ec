namespace DqnBridge.Agent.Checkpoints;

/// <summary>A checkpoint that cannot be used: missing, corrupt, truncated, from another format, or for another environment.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);
