namespace DqnBridge.Cli.Config;

/// <summary>A config file or override the user must fix; nothing has started when it is thrown.</summary>
public sealed class ConfigException(string message) : Exception(message);
