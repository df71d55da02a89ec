using System.ComponentModel;
using System.Reflection;
using System.Text;
using DqnBridge.Agent.Training;

namespace DqnBridge.Cli.Config;

/// <summary>One hyperparameter: its snake_case key, the property behind it and what it means.</summary>
public sealed record ConfigKey(string Name, PropertyInfo Property, string Description)
{
    public Type Type => Property.PropertyType;

    public string DefaultText => ConfigValues.Format(Property.GetValue(new DqnConfig()));

    /// <summary>What values the key accepts, for error messages and the key reference.</summary>
    public string TypeText =>
        Type.IsEnum ? string.Join("|", Enum.GetNames(Type).Select(ConfigKeys.EnumName))
        : Type == typeof(int[]) ? "list of int"
        : Type == typeof(string[]) ? "list of module names"
        : Type == typeof(Dictionary<string, object>) ? "map"
        : Type.Name.ToLowerInvariant() switch { "int32" => "int", "int64" => "int", "boolean" => "bool", var name => name };
}

/// <summary>
/// The keys of <see cref="DqnConfig"/>, taken from its properties and their <see cref="DescriptionAttribute"/>
/// (as CleanRL documents its Args fields), so the documentation printed by `dqnbridge config keys` and the
/// table in docs/config-keys.md can never drift from the code.
/// </summary>
public static class ConfigKeys
{
    public static IReadOnlyList<ConfigKey> All { get; } = typeof(DqnConfig)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.CanWrite)
        .Select(p => new ConfigKey(ToSnakeCase(p.Name), p, p.GetCustomAttribute<DescriptionAttribute>()?.Description ?? ""))
        .ToList();

    private static readonly Dictionary<string, ConfigKey> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    public static ConfigKey Get(string name)
    {
        if (ByName.TryGetValue(name.Trim().ToLowerInvariant().Replace('-', '_'), out var key))
        {
            return key;
        }

        var closest = All.MinBy(k => EditDistance(k.Name, name))!;
        throw new ConfigException(
            $"Unknown config key '{name}'. Did you mean '{closest.Name}'?\n" +
            $"Valid keys: {string.Join(", ", All.Select(k => k.Name))}");
    }

    /// <summary>Property names to keys, as config.json spells them: LearningRate -> learning_rate, StartE -> start_e, NStep -> n_step.</summary>
    public static string ToSnakeCase(string name)
    {
        var text = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            bool afterLower = i > 0 && char.IsLower(name[i - 1]);
            bool endsCapitals = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
            if (char.IsUpper(name[i]) && (afterLower || endsCapitals))
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    /// <summary>Enum values as users type them: NatureCnn -> nature_cnn, RMSprop -> rmsprop, AdamW -> adamw.</summary>
    public static string EnumName(string name)
    {
        var text = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var startsWord = char.IsUpper(name[i]) && i > 0 && char.IsLower(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
            if (startsWord)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }
        return previous[b.Length];
    }
}
