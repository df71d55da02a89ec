using DqnBridge.Agent;
using DqnBridge.Envs;

namespace DqnBridge.Cli.Config;

/// <summary>CleanRL keeps one set of defaults per kind of environment; this picks the set from the id.</summary>
public static class EnvFamilies
{
    public static bool IsAtari(string envId) =>
        envId.StartsWith("ALE/", StringComparison.Ordinal) || envId.Contains("NoFrameskip", StringComparison.Ordinal);

    public static bool IsCarRacing(string envId) => envId.StartsWith("CarRacing", StringComparison.Ordinal);

    public static string FamilyName(string envId) =>
        IsAtari(envId) ? "atari" : IsCarRacing(envId) ? "car_racing" : "classic_control";

    /// <summary>The defaults a run of <paramref name="envId"/> starts from before the file and overrides apply.</summary>
    public static DqnConfig DefaultsFor(string envId)
    {
        if (IsAtari(envId))
            return CleanRlAtari(envId);
        if (IsCarRacing(envId))
        {
            // Same pixel DQN as Atari, with CarRacing's own preprocessing and its discrete action set.
            var config = CleanRlAtari(envId);
            config.Wrappers = EnvWrappers.CarRacing;
            config.EnvKwargs = new Dictionary<string, object> { ["continuous"] = false };
            return config;
        }
        return new DqnConfig { EnvId = envId };
    }

    /// <summary>CleanRL dqn_atari.py defaults for <paramref name="envId"/>.</summary>
    public static DqnConfig CleanRlAtari(string envId)
    {
        var config = DqnConfig.CleanRlAtari();
        config.EnvId = envId;
        return config;
    }
}
