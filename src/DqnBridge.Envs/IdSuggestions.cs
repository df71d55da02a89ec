namespace DqnBridge.Envs;

/// <summary>Close matches for a mistyped environment id.</summary>
public static class IdSuggestions
{
    /// <summary>" Did you mean X, Y?" for the ids within a few edits of <paramref name="id"/>, or "".</summary>
    public static string DidYouMean(string id, IEnumerable<string> known)
    {
        var close = known
            .Select(k => (Id: k, Distance: EditDistance(id.ToLowerInvariant(), k.ToLowerInvariant())))
            .Where(k => k.Distance <= Math.Max(2, id.Length / 3))
            .OrderBy(k => k.Distance)
            .Take(3)
            .Select(k => k.Id)
            .ToList();
        return close.Count == 0 ? "" : $" Did you mean {string.Join(", ", close)}?";
    }

    /// <summary>
    /// The ids of <paramref name="known"/> with the same name as <paramref name="id"/> but another version
    /// (CartPole-v9 gives CartPole-v0, CartPole-v1), compared without case; empty when the name is unknown.
    /// </summary>
    public static IReadOnlyList<string> OtherVersions(string id, IEnumerable<string> known)
    {
        string name = NameWithoutVersion(id);
        return known
            .Where(k => !string.Equals(k, id, StringComparison.Ordinal)
                        && string.Equals(NameWithoutVersion(k), name, StringComparison.OrdinalIgnoreCase))
            .ToList();
    }

    /// <summary>Gymnasium's "namespace/Name-vN" without its "-vN".</summary>
    private static string NameWithoutVersion(string id)
    {
        int dash = id.LastIndexOf("-v", StringComparison.Ordinal);
        return dash > 0 && id.Length > dash + 2 && id[(dash + 2)..].All(char.IsAsciiDigit) ? id[..dash] : id;
    }

    /// <summary>Levenshtein distance between two strings.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
