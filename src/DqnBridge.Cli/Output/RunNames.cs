namespace DqnBridge.Cli.Output;

/// <summary>CleanRL's run names: {env_id}__{exp_name}__{seed}__{unix_time}, safe as one folder name.</summary>
public static class RunNames
{
    public static string Make(string envId, string expName, int seed, DateTimeOffset time) =>
        $"{Safe(envId)}__{Safe(expName)}__{seed}__{time.ToUnixTimeSeconds()}";

    /// <summary>ALE/Pong-v5 would otherwise become two folders.</summary>
    public static string Safe(string text) =>
        string.Concat(text.Select(c => c is '/' or '\\' or ':' || char.IsWhiteSpace(c) || Path.GetInvalidFileNameChars().Contains(c) ? '-' : c));
}
