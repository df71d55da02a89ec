using System.Globalization;
using System.Text;
using DqnBridge.Agent.Training;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DqnBridge.Cli.Config;

/// <summary>
/// Builds the config of a run: CleanRL's defaults for the environment's family, then the YAML file,
/// then key=value overrides (later ones win). Any unknown key or bad value stops before anything starts.
/// </summary>
public static class ConfigLoader
{
    private const string EnvKwargsKey = "env_kwargs";

    /// <summary>One key=value, remembering where it came from for error messages.</summary>
    private sealed record Assignment(string Key, string Value, string Source);

    public static DqnConfig Resolve(string? configFile, IEnumerable<string> overrides, string? envId = null)
    {
        var assignments = new List<Assignment>();
        if (configFile is not null)
        {
            assignments.AddRange(ReadYaml(configFile));
        }

        assignments.AddRange(overrides.Select(ParseOverride));
        if (envId is not null)
        {
            assignments.Add(new Assignment("env_id", envId, "--env"));
        }

        var finalEnvId = assignments.LastOrDefault(a => NormalizeKey(a.Key) == "env_id")?.Value.Trim() ?? new DqnConfig().EnvId;
        var config = EnvFamilies.DefaultsFor(finalEnvId);
        foreach (var assignment in assignments)
        {
            Apply(config, assignment);
        }

        ConfigValidation.Check(config);
        return config;
    }

    /// <summary>Sets one key; `env_kwargs.name=value` adds one keyword argument for gymnasium.make.</summary>
    private static void Apply(DqnConfig config, Assignment assignment)
    {
        var name = NormalizeKey(assignment.Key);
        try
        {
            if (name.StartsWith(EnvKwargsKey + ".", StringComparison.Ordinal))
            {
                var kwarg = name[(EnvKwargsKey.Length + 1)..];
                if (kwarg.Length == 0)
                {
                    throw new ConfigException($"'{assignment.Key}' names no keyword argument; write env_kwargs.NAME=VALUE.");
                }

                config.EnvKwargs = new Dictionary<string, object>(config.EnvKwargs) { [kwarg] = ConfigValues.ParseKwarg(kwarg, assignment.Value) };
                return;
            }
            if (GymnasiumKeywords.Contains(name) && ConfigKeys.All.All(k => k.Name != name))
            {
                throw new ConfigException(
                    $"Unknown config key '{assignment.Key}'. '{name}' is a keyword argument of gymnasium.make: write env_kwargs.{name}={assignment.Value.Trim()}" +
                    (assignment.Source == "override" ? "" : $" (in YAML: env_kwargs: {{{name}: {assignment.Value.Trim()}}})") + ".");
            }

            var key = ConfigKeys.Get(name);
            if (key.Type == typeof(Dictionary<string, object>))
            {
                throw new ConfigException($"Set {EnvKwargsKey} one entry at a time: {EnvKwargsKey}.NAME=VALUE (e.g. env_kwargs.continuous=false).");
            }

            key.Property.SetValue(config, ConfigValues.Parse(key, assignment.Value));
        }
        catch (ConfigException e) when (assignment.Source != "override")
        {
            throw new ConfigException($"{assignment.Source}: {e.Message}");
        }
    }

    /// <summary>
    /// Common gymnasium.make keyword arguments: written as top-level keys they are a mistake for env_kwargs.NAME, and
    /// the message says so instead of suggesting the nearest config key.
    /// </summary>
    private static readonly HashSet<string> GymnasiumKeywords =
    [
        "continuous", "render_mode", "max_episode_steps", "frameskip", "repeat_action_probability", "full_action_space",
        "obs_type", "lap_complete_percent", "domain_randomize", "gravity", "enable_wind", "wind_power", "turbulence_power",
    ];

    private static string NormalizeKey(string key) => key.Trim().Replace('-', '_').ToLowerInvariant();

    private static Assignment ParseOverride(string text)
    {
        var equals = text.IndexOf('=');
        if (equals <= 0)
        {
            throw new ConfigException(
                $"'{text}' is not an override; write key=value, e.g. learning_rate=1e-3. See `dqnbridge config keys` for the keys.");
        }

        return new Assignment(text[..equals], text[(equals + 1)..], "override");
    }

    private static List<Assignment> ReadYaml(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConfigException($"Config file '{path}' does not exist.");
        }

        try
        {
            return ParseYaml(path);
        }
        catch (YamlException e)
        {
            // YamlDotNet wraps the real complaint; its position is 1-based.
            throw new ConfigException($"{path}: not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {Innermost(e).Message}");
        }
        catch (Exception e) when (e is not ConfigException and not IOException and not UnauthorizedAccessException)
        {
            // Some malformed documents (an unclosed '[' before another key) make YamlDotNet throw other exception
            // types without a position: parse again event by event to find where it stopped.
            throw new ConfigException(FailurePosition(path) is { } at
                ? $"{path}: not valid YAML at line {at.Line}, column {at.Column}: the document cannot be read from there (an unclosed '[' or '{{', or a missing ',' or ':' before it?)"
                : $"{path}: not valid YAML: {Innermost(e).Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"Cannot read config file '{path}': {e.Message}");
        }
    }

    /// <summary>Where YamlDotNet's parser stops on <paramref name="path"/> (the start of the last event it read), or null.</summary>
    private static Mark? FailurePosition(string path)
    {
        Mark? last = null;
        try
        {
            using var reader = new StreamReader(path);
            var parser = new Parser(reader);
            while (parser.MoveNext())
            {
                last = parser.Current?.Start;
            }
        }
        catch (YamlException e)
        {
            return e.Start;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or NullReferenceException)
        {
            return last;
        }

        return null;
    }

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

    private static List<Assignment> ParseYaml(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return [];
        }

        if (stream.Documents.Count > 1)
        {
            throw new ConfigException($"{path}: holds {stream.Documents.Count} YAML documents (separated by ---); a config is one.");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ConfigException($"{path} line {stream.Documents[0].RootNode.Start.Line}: expected a mapping of key: value lines at the top level.");
        }

        var assignments = new List<Assignment>();
        foreach (var (keyNode, valueNode) in root.Children)
        {
            var source = $"{path} line {keyNode.Start.Line}";
            var key = KeyText(keyNode, source);
            switch (valueNode)
            {
                case YamlMappingNode map when NormalizeKey(key) == EnvKwargsKey:
                    foreach (var (kwargKey, kwargValue) in map.Children)
                    {
                        var kwargSource = $"{path} line {kwargKey.Start.Line}";
                        assignments.Add(new Assignment($"{EnvKwargsKey}.{KeyText(kwargKey, kwargSource)}", ScalarText(kwargValue, kwargSource), kwargSource));
                    }
                    break;
                case YamlSequenceNode list:
                    assignments.Add(new Assignment(key, "[" + string.Join(",", list.Children.Select(c => ScalarText(c, source))) + "]", source));
                    break;
                default:
                    assignments.Add(new Assignment(key, ScalarText(valueNode, source), source));
                    break;
            }
        }
        return assignments;
    }

    private static string KeyText(YamlNode node, string source) =>
        node is YamlScalarNode { Value: { Length: > 0 } text } ? text
        : throw new ConfigException($"{source}: a key must be a plain name like learning_rate, not a list, a mapping or nothing.");

    private static string ScalarText(YamlNode node, string source) =>
        node is YamlScalarNode scalar ? scalar.Value ?? ""
        : throw new ConfigException($"{source}: expected a single value, not a nested list or mapping.");

    /// <summary>The config as YAML that <see cref="Resolve"/> reads back to the same values.</summary>
    public static string ToYaml(DqnConfig config, string? header = null)
    {
        var text = new StringBuilder();
        if (header is not null)
        {
            text.Append("# ").AppendLine(header);
        }

        foreach (var key in ConfigKeys.All)
        {
            var value = key.Property.GetValue(config);
            if (value is Dictionary<string, object> map)
            {
                text.Append(key.Name).AppendLine(map.Count == 0 ? ": {}" : ":");
                foreach (var (name, item) in map)
                {
                    text.Append("  ").Append(name).Append(": ").AppendLine(YamlScalar(item));
                }
            }
            else
            {
                text.Append(key.Name).Append(": ").AppendLine(key.AutoValue is not null ? ConfigValues.Format(key, value) : YamlScalar(value));
            }
        }
        return text.ToString();
    }

    private static string YamlScalar(object? value) => value switch
    {
        string s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
        double d => d.ToString("R", CultureInfo.InvariantCulture) is var t && (t.Contains('.') || t.Contains('E')) ? t : t + ".0",
        _ => ConfigValues.Format(value),
    };
}
