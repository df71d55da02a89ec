using DqnBridge.Agent.Training;
using DqnBridge.Envs;
using DqnBridge.Envs.GymnasiumBackend;

namespace DqnBridge.Cli.Config;

/// <summary>CleanRL keeps one set of defaults per kind of environment; this picks the set from the id.</summary>
public static class EnvFamilies
{
    /// <summary>The defaults a run of <paramref name="envId"/> starts from before the file and overrides apply.</summary>
    public static DqnConfig DefaultsFor(string envId)
    {
        bool carRacing = envId.StartsWith("CarRacing", StringComparison.Ordinal);
        if (!AleVector.IsAtariId(envId) && !carRacing)
        {
            return new DqnConfig { EnvId = envId };
        }

        var config = DqnConfig.CleanRlAtari();
        config.EnvId = envId;
        if (carRacing)
        {
            // Same pixel DQN as Atari, with CarRacing's own preprocessing and its discrete action set.
            config.Wrappers = EnvWrappers.CarRacing;
            config.EnvKwargs = new Dictionary<string, object> { ["continuous"] = false };
        }
        return config;
    }
}
