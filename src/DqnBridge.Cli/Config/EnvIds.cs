using DqnBridge.Cli.Commands;
using DqnBridge.Envs;
using DqnBridge.Envs.Native;

namespace DqnBridge.Cli.Config;

/// <summary>Environment ids checked before anything trains, so a typo never costs a finished run.</summary>
public static class EnvIds
{
    /// <summary>
    /// CartPole-v9 (any other version of a built-in name) is a usage error naming the versions that exist, without asking
    /// Python: the built-in names are Gymnasium's classic-control ones, and Gymnasium registers no other versions of them.
    /// </summary>
    public static void CheckBuiltInVersion(string envId)
    {
        if (NativeEnvs.Ids.Contains(envId))
        {
            return;
        }

        var versions = IdSuggestions.OtherVersions(envId, NativeEnvs.Ids);
        if (versions.Count > 0)
        {
            throw new ConfigException(
                $"Unknown environment '{envId}'. Did you mean {string.Join(" or ", versions)}? (the versions Gymnasium and the built-in environments have)");
        }
    }

    /// <summary>
    /// Checks every id of a list (a benchmark's --envs) before any of them trains. Built-in ids pass at once; for the others
    /// <paramref name="listEnvironments"/> is asked once (Gymnasium's registry when Gymnasium is importable). Unknown ids are
    /// a usage error (exit 2) listing every one with suggestions; ids that need Gymnasium when it is missing are exit 1.
    /// </summary>
    public static void ValidateAll(IReadOnlyList<string> envIds, Func<IReadOnlyList<EnvironmentListing>> listEnvironments)
    {
        foreach (var id in envIds)
        {
            try
            {
                CheckBuiltInVersion(id);
            }
            catch (ConfigException e)
            {
                throw new ConfigException($"--envs: {e.Message}");
            }
        }
        var others = envIds.Where(id => !NativeEnvs.Ids.Contains(id)).Distinct().ToList();
        if (others.Count == 0)
        {
            return;
        }

        var listings = listEnvironments();
        var known = listings.Select(l => l.Id).Union(NativeEnvs.Ids).ToList();
        var unknown = others.Where(id => !known.Contains(id)).ToList();
        if (unknown.Count == 0)
        {
            return;
        }

        bool gymnasium = listings.Any(l => l.Backend.Contains("gymnasium", StringComparison.OrdinalIgnoreCase));
        var typos = unknown.Where(id => IdSuggestions.DidYouMean(id, NativeEnvs.Ids).Length > 0).ToList();
        if (!gymnasium && typos.Count > 0)
        {
            throw new ConfigException(
                "--envs: unknown environment " + string.Join("; ", typos.Select(id => $"'{id}'.{IdSuggestions.DidYouMean(id, NativeEnvs.Ids)}")) +
                " (Gymnasium, which knows more ids, is not available here.) Nothing was trained.");
        }

        if (!gymnasium)
        {
            throw new CliException(
                $"--envs: {string.Join(", ", unknown)} {(unknown.Count == 1 ? "needs" : "need")} Gymnasium, which is not available " +
                $"(`dqnbridge envs` says why); the built-in environments are {string.Join(", ", NativeEnvs.Ids)}. Nothing was trained.");
        }

        throw new ConfigException(
            "--envs: unknown environment " + string.Join("; ", unknown.Select(id => $"'{id}'.{IdSuggestions.DidYouMean(id, known)}")) +
            " Nothing was trained; `dqnbridge envs` lists the ids.");
    }
}
