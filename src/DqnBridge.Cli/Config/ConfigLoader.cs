using System.Globalization;
using System.Text;
using DqnBridge.Agent;
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
            assignments.AddRange(ReadYaml(configFile));
        assignments.AddRange(overrides.Select(ParseOverride));
        if (envId is not null)
            assignments.Add(new Assignment("env_id", envId, "--env"));

        var finalEnvId = assignments.LastOrDefault(a => NormalizeKey(a.Key) == "env_id")?.Value.Trim() ?? new DqnConfig().EnvId;
        var config = EnvFamilies.DefaultsFor(finalEnvId);
        foreach (var assignment in assignments)
            Apply(config, assignment);
        Validate(config);
        return config;
    }

    /// <summary>Sets one key; `env_kwargs.name=value` adds one keyword argument for gymnasium.make.</summary>
    public static void Set(DqnConfig config, string key, string value) => Apply(config, new Assignment(key, value, "override"));

    private static void Apply(DqnConfig config, Assignment assignment)
    {
        var name = NormalizeKey(assignment.Key);
        try
        {
            if (name.StartsWith(EnvKwargsKey + ".", StringComparison.Ordinal))
            {
                var kwarg = name[(EnvKwargsKey.Length + 1)..];
                if (kwarg.Length == 0)
                    throw new ConfigException($"'{assignment.Key}' names no keyword argument; write env_kwargs.NAME=VALUE.");
                config.EnvKwargs = new Dictionary<string, object>(config.EnvKwargs) { [kwarg] = ConfigValues.ParseLoose(assignment.Value) };
                return;
            }
            var key = ConfigKeys.Get(name);
            if (key.Type == typeof(Dictionary<string, object>))
                throw new ConfigException($"Set {EnvKwargsKey} one entry at a time: {EnvKwargsKey}.NAME=VALUE (e.g. env_kwargs.continuous=false).");
            key.Property.SetValue(config, ConfigValues.Parse(key, assignment.Value));
        }
        catch (ConfigException e) when (assignment.Source != "override")
        {
            throw new ConfigException($"{assignment.Source}: {e.Message}");
        }
    }

    private static string NormalizeKey(string key) => key.Trim().Replace('-', '_').ToLowerInvariant();

    private static Assignment ParseOverride(string text)
    {
        var equals = text.IndexOf('=');
        if (equals <= 0)
            throw new ConfigException(
                $"'{text}' is not an override; write key=value, e.g. learning_rate=1e-3. See `dqnbridge config keys` for the keys.");
        return new Assignment(text[..equals], text[(equals + 1)..], "override");
    }

    private static List<Assignment> ReadYaml(string path)
    {
        if (!File.Exists(path))
            throw new ConfigException($"Config file '{path}' does not exist.");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{path}: not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return [];
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException($"{path}: expected a mapping of key: value lines at the top level.");

        var assignments = new List<Assignment>();
        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            var source = $"{path} line {keyNode.Start.Line}";
            switch (valueNode)
            {
                case YamlMappingNode map when NormalizeKey(key) == EnvKwargsKey:
                    foreach (var (kwargKey, kwargValue) in map.Children)
                        assignments.Add(new Assignment($"{EnvKwargsKey}.{((YamlScalarNode)kwargKey).Value}", ScalarText(kwargValue, source), source));
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

    private static string ScalarText(YamlNode node, string source) =>
        node is YamlScalarNode scalar ? scalar.Value ?? ""
        : throw new ConfigException($"{source}: expected a single value, not a nested list or mapping.");

    /// <summary>Range checks that the types alone cannot express.</summary>
    public static void Validate(DqnConfig c)
    {
        var problems = new List<string>();
        void Require(bool ok, string message) { if (!ok) problems.Add(message); }

        Require(!string.IsNullOrWhiteSpace(c.EnvId), "env_id must not be empty");
        Require(c.NumEnvs >= 1, "num_envs must be at least 1");
        Require(c.FrameSkip >= 1, "frame_skip must be at least 1");
        Require(c.FrameStack >= 1, "frame_stack must be at least 1");
        Require(c.TotalTimesteps >= 1, "total_timesteps must be positive");
        Require(c.LearningRate > 0, "learning_rate must be positive");
        Require(c.BufferSize >= 1, "buffer_size must be positive");
        Require(c.Gamma is >= 0 and <= 1, "gamma must be in [0, 1]");
        Require(c.Tau is > 0 and <= 1, "tau must be in (0, 1]");
        Require(c.TargetNetworkFrequency >= 1, "target_network_frequency must be at least 1");
        Require(c.BatchSize >= 1, "batch_size must be positive");
        Require(c.BatchSize <= c.BufferSize, "batch_size must not exceed buffer_size");
        Require(c.StartE is >= 0 and <= 1, "start_e must be in [0, 1]");
        Require(c.EndE is >= 0 and <= 1, "end_e must be in [0, 1]");
        Require(c.ExplorationFraction is > 0 and <= 1, "exploration_fraction must be in (0, 1]");
        Require(c.LearningStarts >= 0, "learning_starts must not be negative");
        Require(c.TrainFrequency >= 1, "train_frequency must be at least 1");
        Require(c.EpsilonDecaySteps > 0, "epsilon_decay_steps must be positive");
        Require(c.MaxGradNorm >= 0, "max_grad_norm must not be negative (0 turns clipping off)");
        Require(c.HiddenSizes.Length >= 1, "hidden_sizes needs at least one layer");
        Require(c.CheckpointFrequency >= 0, "checkpoint_frequency must not be negative");
        Require(c.TorchThreads >= 1, "torch_threads must be at least 1");
        Require(c.EvalEpisodes >= 1, "eval_episodes must be at least 1");
        Require(c.EvalEpsilon is >= 0 and <= 1, "eval_epsilon must be in [0, 1]");
        Require(!string.IsNullOrWhiteSpace(c.RunsDir), "runs_dir must not be empty");
        if (problems.Count > 0)
            throw new ConfigException("Invalid config:\n  " + string.Join("\n  ", problems));
        try
        {
            // The agent's own rules, in case it knows of constraints this list does not.
            c.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ConfigException(e.Message);
        }
    }

    /// <summary>The config as YAML that <see cref="Resolve"/> reads back to the same values.</summary>
    public static string ToYaml(DqnConfig config, string? header = null)
    {
        var text = new StringBuilder();
        if (header is not null)
            text.Append("# ").AppendLine(header);
        foreach (var key in ConfigKeys.All)
        {
            var value = key.Property.GetValue(config);
            if (value is Dictionary<string, object> map)
            {
                text.Append(key.Name).AppendLine(map.Count == 0 ? ": {}" : ":");
                foreach (var (name, item) in map)
                    text.Append("  ").Append(name).Append(": ").AppendLine(YamlScalar(item));
            }
            else
            {
                text.Append(key.Name).Append(": ").AppendLine(YamlScalar(value));
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
