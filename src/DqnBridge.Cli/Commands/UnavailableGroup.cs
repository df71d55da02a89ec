using System.Globalization;
using System.Text.RegularExpressions;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// Registered ids that cannot be made here for one reason: how many, which family, what is missing and the fix. `envs`
/// prints one line per group instead of one row per id (a Gymnasium with ale-py but few ROMs registers hundreds).
/// </summary>
/// <param name="Fix">What makes them available, or null when the reason does not say.</param>
public sealed partial record UnavailableGroup(string Family, string Reason, string? Fix, IReadOnlyList<string> Ids)
{
    /// <summary>
    /// One line: "351 ALE ids: no ROM in DIR; fix: put each game's ROM there as GAME.bin (e.g. adventure.bin)", the count
    /// right-aligned to <paramref name="countWidth"/> characters so that the lines of several groups align.
    /// </summary>
    public string Describe(int countWidth = 0) =>
        $"{Ids.Count.ToString(CultureInfo.InvariantCulture).PadLeft(countWidth)} {Family} {(Ids.Count == 1 ? "id" : "ids")}: {Reason}" +
        (Fix is null ? "" : $"; fix: {Fix}");

    /// <summary>The listings with a reason grouped by family and reason, the largest group first.</summary>
    public static IReadOnlyList<UnavailableGroup> Of(IEnumerable<EnvironmentListing> listings) =>
    [
        .. listings
            .Where(l => l.Unavailable is not null)
            .Select(l => (l.Id, Cause: Classify(l.Id, l.Unavailable!)))
            .GroupBy(l => (l.Cause.Family, l.Cause.Reason))
            .Select(g => new UnavailableGroup(g.Key.Family, g.Key.Reason, g.First().Cause.Fix, [.. g.Select(l => l.Id)]))
            .OrderByDescending(g => g.Ids.Count)
            .ThenBy(g => g.Family, StringComparer.Ordinal),
    ];

    /// <summary>
    /// Reads a reason as the environment layer words it ("no ROM for 'pong' in DIR", "needs mujoco (pip install ...)"):
    /// the per-game part is dropped so that every id missing the same thing shares one group; a reason in another
    /// wording is its own group, shown as it is.
    /// </summary>
    private static (string Family, string Reason, string? Fix) Classify(string id, string reason)
    {
        if (MissingRom().Match(reason) is { Success: true } rom)
        {
            string folder = rom.Groups["folder"].Value;
            return ("ALE", $"no ROM in {folder}", $"put each game's ROM there as GAME.bin (e.g. {rom.Groups["game"].Value}.bin)");
        }

        if (PipFix().Match(reason) is { Success: true } pip)
        {
            string what = pip.Groups["what"].Value;
            return (FamilyOf(id, what), what, pip.Groups["fix"].Value);
        }

        return (FamilyOf(id, reason), reason, null);
    }

    private static string FamilyOf(string id, string reason) =>
        reason.Contains("ale-py", StringComparison.Ordinal) || reason.Contains("atari", StringComparison.OrdinalIgnoreCase) ? "ALE"
        : reason.Contains("mujoco", StringComparison.OrdinalIgnoreCase) ? "MuJoCo"
        : reason.Contains("box2d", StringComparison.OrdinalIgnoreCase) ? "Box2D"
        : id.Contains('/') ? id[..id.IndexOf('/')]
        : "Gymnasium";

    [GeneratedRegex(@"^no ROM for '(?<game>[^']+)' in (?<folder>.+)$")]
    private static partial Regex MissingRom();

    [GeneratedRegex(@"^(?<what>.+?) \((?<fix>pip install [^)]+)\)$")]
    private static partial Regex PipFix();
}
