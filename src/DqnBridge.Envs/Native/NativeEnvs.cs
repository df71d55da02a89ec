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

    /// <summary>Ids of the built-in environments.</summary>
    public static IReadOnlyList<string> Ids { get; } = Factories.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Creates the built-in environment <paramref name="id"/>, or returns false when there is none.</summary>
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
        if (TryCreate(id, renderMode, out var env))
        {
            return env;
        }

        throw new UnknownEnvironmentException(id, Ids, "built-in environments");
    }
}

/// <summary>An environment id that is not known, with the closest known ids.</summary>
public sealed class UnknownEnvironmentException(string id, IEnumerable<string> knownIds, string where)
    : ArgumentException(Describe(id, knownIds, where))
{
    static string Describe(string id, IEnumerable<string> knownIds, string where) =>
        $"Unknown environment id '{id}' among the {where} ({string.Join(", ", knownIds)}).{IdSuggestions.DidYouMean(id, knownIds)}";
}
