using System.Text.Json;

namespace DqnBridge.Envs;

/// <summary>Why an environment cannot be made: what callers switch on (a usage error or not, which fix), never the wording.</summary>
public enum EnvProblem
{
    /// <summary>No environment is registered under the id (built in, or in Gymnasium's registry).</summary>
    UnknownId,

    /// <summary>Its action space is not Discrete (continuous, or a space we do not model): DQN cannot train it.</summary>
    NotDiscreteActions,

    /// <summary>Its observation space is not a Box of a type the networks read.</summary>
    UnsupportedObservations,

    /// <summary>An Atari id whose ROM is not in ALE's ROM folder.</summary>
    MissingRom,

    /// <summary>A package it needs is not installed in this Python (ale-py, mujoco, Box2D, OpenCV).</summary>
    MissingDependency,

    /// <summary>A module of env_modules (or of a module:EnvId id) cannot be imported.</summary>
    ModuleNotImportable,

    /// <summary>A setting does not fit it (wrappers on a built-in environment, vectorization ale on a non-Atari id).</summary>
    UnfitSetting,

    /// <summary>Gymnasium raised while making it (a bad keyword argument, an error in the environment's constructor).</summary>
    MakeFailed,
}

/// <summary>
/// Why a registered Gymnasium id cannot be made with this Python, as python/dqnbridge/registry.py reports it: a
/// <see cref="EnvProblem.MissingRom"/> (<see cref="Game"/>'s ROM is not in <see cref="RomFolder"/>) or a
/// <see cref="EnvProblem.MissingDependency"/> (<see cref="Requirement"/>, e.g. "needs mujoco", which
/// <see cref="Install"/> installs).
/// </summary>
/// <param name="Problem">MissingRom or MissingDependency.</param>
/// <param name="Family">The family of ids it concerns: ALE, MuJoCo, Box2D.</param>
/// <param name="Requirement">A missing package, as a phrase: "needs mujoco", "the atari wrappers need OpenCV".</param>
/// <param name="Install">The command that installs it.</param>
/// <param name="Game">The game whose ROM is missing, as ALE names it ("pong").</param>
/// <param name="RomFolder">The folder ALE looks for ROMs in.</param>
public sealed record EnvUnavailability(EnvProblem Problem, string Family, string Requirement = "", string? Install = null, string? Game = null, string? RomFolder = null)
{
    /// <summary>A missing ROM: ALE looks for <paramref name="folder"/>/<paramref name="game"/>.bin.</summary>
    public static EnvUnavailability MissingRom(string game, string folder) => new(EnvProblem.MissingRom, "ALE", Game: game, RomFolder: folder);

    /// <summary>A missing package of <paramref name="family"/>'s ids: "needs mujoco", installed by <paramref name="install"/>.</summary>
    public static EnvUnavailability MissingDependency(string family, string requirement, string install) =>
        new(EnvProblem.MissingDependency, family, requirement, install);

    /// <summary>The reason in one phrase: "no ROM for 'pong' in DIR", "needs mujoco (pip install "gymnasium[mujoco]")".</summary>
    public string Describe() => Problem == EnvProblem.MissingRom
        ? $"no ROM for '{Game}' in {RomFolder}"
        : Install is null ? Requirement : $"{Requirement} ({Install})";

    /// <summary>What makes the id available.</summary>
    public string Fix => Problem == EnvProblem.MissingRom
        ? $"put the game's ROM there as {Game}.bin, or point ALE_ROMS_DIR at a folder that has it"
        : Install ?? Requirement;

    /// <summary>Reads one reason of registry.unavailable_environments.</summary>
    internal static EnvUnavailability FromJson(JsonElement reason)
    {
        string code = reason.GetProperty("reason").GetString()!;
        string family = reason.GetProperty("family").GetString()!;
        return code switch
        {
            "missing_rom" => MissingRom(reason.GetProperty("game").GetString()!, reason.GetProperty("folder").GetString()!) with { Family = family },
            "missing_dependency" => MissingDependency(family, reason.GetProperty("requirement").GetString()!, reason.GetProperty("install").GetString()!),
            _ => throw new InvalidDataException($"python/dqnbridge/registry.py gave the unknown reason '{code}' ({reason})."),
        };
    }
}
