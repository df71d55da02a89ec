using System.Text.Json;
using System.Text.Json.Serialization;
using DqnBridge.Agent.Training;

namespace DqnBridge.Agent.Checkpoints;

/// <summary>How a checkpoint's JSON files (config.json, state.json, manifest.json) are written and read.</summary>
internal static class CheckpointJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>config.json: every key, in snake_case.</summary>
    public static string Serialize(DqnConfig config) => JsonSerializer.Serialize(config, Options);

    /// <summary>A config.json read back and validated; throws <see cref="JsonException"/> or <see cref="ArgumentException"/>.</summary>
    public static DqnConfig DeserializeConfig(string json)
    {
        var config = JsonSerializer.Deserialize<DqnConfig>(json, Options) ?? throw new JsonException("the config is empty");
        config.EnvKwargs = config.EnvKwargs.ToDictionary(pair => pair.Key, pair => Plain(pair.Value));
        config.Validate();
        return config;
    }

    /// <summary>JSON numbers, strings and booleans back to plain .NET values, as gymnasium.make wants them.</summary>
    private static object Plain(object value) => value is not JsonElement element ? value : element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Number when element.TryGetInt64(out long integer) => integer,
        JsonValueKind.Number => element.GetDouble(),
        _ => element.GetRawText(),
    };
}
