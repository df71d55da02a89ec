using System.Globalization;

namespace DqnBridge.Cli.Config;

/// <summary>Parses override text into property values and formats values back, culture-invariant.</summary>
public static class ConfigValues
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Parses <paramref name="text"/> as the type of <paramref name="key"/>; throws <see cref="ConfigException"/> naming the key.</summary>
    public static object Parse(ConfigKey key, string text)
    {
        var value = text.Trim();
        if (key.AutoValue is int auto && string.Equals(Unquote(value), "auto", StringComparison.OrdinalIgnoreCase))
        {
            return auto;
        }

        object? parsed = key.Type switch
        {
            var t when t == typeof(string) => Unquote(value),
            var t when t == typeof(int) => ParseInteger(value) is { } n && n is >= int.MinValue and <= int.MaxValue ? (int)n : null,
            var t when t == typeof(long) => ParseInteger(value),
            var t when t == typeof(double) => ParseDouble(value),
            var t when t == typeof(bool) => ParseBool(value),
            var t when t.IsEnum => ParseEnum(t, value),
            var t when t == typeof(int[]) => ParseIntList(value),
            var t when t == typeof(string[]) => ParseModuleList(value),
            _ => null,
        };
        return parsed ?? throw new ConfigException(
            $"Bad value '{text}' for {key.Name}: expected {Article(key.TypeText)} (default {key.DefaultText}).");
    }

    /// <summary>
    /// Keyword arguments of Gymnasium's registered environments that take a bool. Python reads any non-empty string as
    /// true, so `continuous=maybe` would silently mean true: for these, anything but a boolean is refused.
    /// </summary>
    public static readonly IReadOnlySet<string> BooleanKwargs = new HashSet<string>(StringComparer.Ordinal)
    {
        "continuous", "enable_wind", "hardcore", "sutton_barto_reward", "domain_randomize", "is_slippery", "natural", "sab",
        "full_action_space", "terminate_when_unhealthy", "exclude_current_positions_from_observation", "use_contact_forces",
    };

    /// <summary>The value of env_kwargs.<paramref name="name"/>: <see cref="ParseLoose"/>, and a bool for <see cref="BooleanKwargs"/>.</summary>
    public static object ParseKwarg(string name, string text)
    {
        var value = ParseLoose(text);
        if (BooleanKwargs.Contains(name) && value is not bool)
        {
            throw new ConfigException($"Bad value '{text.Trim()}' for env_kwargs.{name}: expected true or false (Gymnasium's {name} is a bool).");
        }

        return value;
    }

    /// <summary>A value inside env_kwargs: bool, integer, number, or else text, as YAML would read it.</summary>
    public static object ParseLoose(string text)
    {
        var value = text.Trim();
        if (ParseBool(value) is bool b && !value.All(char.IsDigit))
        {
            return b;
        }

        if (ParseInteger(value) is long n && !value.Contains('.') && !value.Contains('e', StringComparison.OrdinalIgnoreCase))
        {
            return n is >= int.MinValue and <= int.MaxValue ? (object)(int)n : n;
        }

        if (ParseDouble(value) is double d)
        {
            return d;
        }

        return Unquote(value);
    }

    /// <summary>As <see cref="Format(object?)"/>, with a key's "auto" value written as the word.</summary>
    public static string Format(ConfigKey key, object? value) =>
        key.AutoValue is int auto && value is int n && n == auto ? "auto" : Format(value);

    public static string Format(object? value) => value switch
    {
        null => "",
        string s => s.Length == 0 ? "\"\"" : s,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", Invariant),
        Enum e => ConfigKeys.EnumName(e.ToString()),
        int[] list => "[" + string.Join(", ", list) + "]",
        string[] list => "[" + string.Join(", ", list) + "]",
        IDictionary<string, object> map => "{" + string.Join(", ", map.Select(kv => $"{kv.Key}: {Format(kv.Value)}")) + "}",
        IFormattable f => f.ToString(null, Invariant),
        _ => value.ToString() ?? "",
    };

    private static long? ParseInteger(string text)
    {
        var digits = text.Replace("_", "");
        if (long.TryParse(digits, NumberStyles.AllowLeadingSign, Invariant, out var n))
        {
            return n;
        }
        // 1e6 is a convenient way to write a step count; accept it when it is a whole number.
        if (double.TryParse(digits, NumberStyles.Float, Invariant, out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e18)
        {
            return (long)d;
        }

        return null;
    }

    private static double? ParseDouble(string text) =>
        double.TryParse(text.Replace("_", ""), NumberStyles.Float, Invariant, out var d) && double.IsFinite(d) ? d : null;

    private static bool? ParseBool(string text) => text.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => null,
    };

    private static object? ParseEnum(Type type, string text)
    {
        var wanted = text.Replace("_", "").Replace("-", "");
        var name = Enum.GetNames(type).FirstOrDefault(n => string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase));
        return name is null ? null : Enum.Parse(type, name);
    }

    private static int[]? ParseIntList(string text)
    {
        var inner = text.Trim().TrimStart('[').TrimEnd(']').Trim();
        if (inner.Length == 0)
        {
            return null;
        }

        var items = inner.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            if (ParseInteger(items[i]) is not long n || n is <= 0 or > int.MaxValue)
            {
                return null;
            }

            values[i] = (int)n;
        }
        return values;
    }

    /// <summary>Dotted Python module names, e.g. [my_pkg.my_envs, other]; [] is none.</summary>
    private static string[]? ParseModuleList(string text)
    {
        var inner = text.Trim().TrimStart('[').TrimEnd(']').Trim();
        if (inner.Length == 0)
        {
            return [];
        }

        var names = inner.Split(',', StringSplitOptions.TrimEntries).Select(Unquote).ToArray();
        return names.All(name => name.Split('.').All(IsPythonIdentifier)) ? names : null;
    }

    private static bool IsPythonIdentifier(string part) =>
        part.Length > 0 && !char.IsAsciiDigit(part[0]) && part.All(c => c == '_' || char.IsLetterOrDigit(c));

    private static string Unquote(string text) =>
        text.Length >= 2 && (text[0] == '"' || text[0] == '\'') && text[^1] == text[0] ? text[1..^1] : text;

    private static string Article(string typeText) =>
        typeText.Contains('|') ? "one of " + typeText.Replace("|", ", ")
        : typeText.StartsWith("list") ? $"a {typeText} like [128,128]"
        : (typeText is "int" ? "an " : "a ") + typeText;
}
