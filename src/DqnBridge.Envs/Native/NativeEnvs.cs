namespace DqnBridge.Envs.Native;

/// <summary>The built-in environments: Gymnasium's classic control, in C#, needing no Python.</summary>
public static class NativeEnvs
{
    static readonly Dictionary<string, Func<string?, IEnv>> Factories = new(StringComparer.Ordinal)
    {
        ["CartPole-v0"] = renderMode => new CartPole("CartPole-v0", renderMode),
        ["CartPole-v1"] = renderMode => new CartPole("CartPole-v1", renderMode),
        ["Acrobot-v1"] = renderMode => new Acrobot(renderMode),
        ["MountainCar-v0"] = renderMode => new MountainCar(renderMode),
    };

    public static IReadOnlyList<string> Ids { get; } = Factories.Keys.Order(StringComparer.Ordinal).ToArray();

    public static bool TryCreate(string id, string? renderMode, out IEnv env)
    {
        if (Factories.TryGetValue(id, out var factory))
        {
            env = factory(renderMode);
            return true;
        }
        env = null!;
        return false;
    }

    /// <summary>Makes a built-in environment; an unknown id is an error that suggests the closest ids.</summary>
    public static IEnv Create(string id, string? renderMode = null)
    {
        if (TryCreate(id, renderMode, out var env)) return env;
        throw new UnknownEnvironmentException(id, Ids, "built-in environments");
    }
}

/// <summary>An environment id that is not known, with the closest known ids.</summary>
public sealed class UnknownEnvironmentException(string id, IEnumerable<string> knownIds, string where)
    : ArgumentException(Describe(id, knownIds, where))
{
    public string EnvironmentId { get; } = id;

    static string Describe(string id, IEnumerable<string> knownIds, string where)
    {
        var closest = knownIds
            .Select(known => (known, distance: EditDistance(id.ToLowerInvariant(), known.ToLowerInvariant())))
            .Where(pair => pair.distance <= Math.Max(3, id.Length / 3))
            .OrderBy(pair => pair.distance)
            .Take(3)
            .Select(pair => pair.known)
            .ToList();
        string suggestion = closest.Count > 0 ? $" Did you mean {string.Join(" or ", closest)}?" : "";
        return $"Unknown environment id '{id}' among the {where} ({string.Join(", ", knownIds)}).{suggestion}";
    }

    /// <summary>Levenshtein distance.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
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
