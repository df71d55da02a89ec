using System.Globalization;
using DqnBridge.Envs;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// Registered ids that cannot be made here for one reason: how many, which family, what is missing and the fix. `envs`
/// prints one line per group instead of one row per id (a Gymnasium with ale-py but few ROMs registers hundreds).
/// </summary>
/// <param name="Fix">What makes them available.</param>
public sealed record UnavailableGroup(string Family, string Reason, string Fix, IReadOnlyList<string> Ids)
{
    /// <summary>
    /// One line: "351 ALE ids: no ROM in DIR; fix: put each game's ROM there as GAME.bin (e.g. adventure.bin)", the count
    /// right-aligned to <paramref name="countWidth"/> characters so that the lines of several groups align.
    /// </summary>
    public string Describe(int countWidth = 0) =>
        $"{Ids.Count.ToString(CultureInfo.InvariantCulture).PadLeft(countWidth)} {Family} {(Ids.Count == 1 ? "id" : "ids")}: {Reason}; fix: {Fix}";

    /// <summary>The listings with a reason grouped by family and reason, the largest group first.</summary>
    public static IReadOnlyList<UnavailableGroup> Of(IEnumerable<EnvironmentListing> listings) =>
    [
        .. listings
            .Where(l => l.Unavailable is not null)
            .Select(l => (l.Id, Cause: Classify(l.Unavailable!)))
            .GroupBy(l => (l.Cause.Family, l.Cause.Reason))
            .Select(g => new UnavailableGroup(g.Key.Family, g.Key.Reason, g.First().Cause.Fix, [.. g.Select(l => l.Id)]))
            .OrderByDescending(g => g.Ids.Count)
            .ThenBy(g => g.Family, StringComparer.Ordinal),
    ];

    /// <summary>
    /// The group a reason belongs to: every id missing the same thing shares one (a missing ROM is grouped by its
    /// folder, not by game).
    /// </summary>
    private static (string Family, string Reason, string Fix) Classify(EnvUnavailability reason) => reason.Problem switch
    {
        EnvProblem.MissingRom => (reason.Family, $"no ROM in {reason.RomFolder}", $"put each game's ROM there as GAME.bin (e.g. {reason.Game}.bin)"),
        _ => (reason.Family, reason.Requirement, reason.Fix),
    };
}
