using System.Text.Json;
using System.Text.Json.Serialization;
using DqnBridge.Cli.Commands;

namespace DqnBridge.Cli.Benchmarking;

/// <summary>
/// benchmark.json in the output folder: the grid every shard works on and the settings that shape its runs, so that
/// merge knows which cells to expect and a shard started with a different grid is stopped before it mixes results.
/// </summary>
public sealed record GridManifest(
    [property: JsonPropertyName("envs")] IReadOnlyList<string> EnvIds,
    [property: JsonPropertyName("seeds")] IReadOnlyList<int> Seeds,
    [property: JsonPropertyName("config_file")] string? ConfigFile,
    [property: JsonPropertyName("overrides")] IReadOnlyList<string> Overrides)
{
    public const string FileName = "benchmark.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public BenchmarkGrid Grid => new(EnvIds, Seeds);

    /// <summary>Writes the manifest, or checks that the one already there describes the same benchmark.</summary>
    public void WriteOrCheck(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (File.Exists(path))
        {
            var existing = Read(folder);
            if (!existing.EnvIds.SequenceEqual(EnvIds) || !existing.Seeds.SequenceEqual(Seeds) ||
                !existing.Overrides.SequenceEqual(Overrides) || Path.GetFileName(existing.ConfigFile) != Path.GetFileName(ConfigFile))
            {
                throw new CliException(
                    $"'{folder}' holds another benchmark ({path}: envs {string.Join(" ", existing.EnvIds)}, seeds {string.Join(" ", existing.Seeds)}, " +
                    $"overrides [{string.Join(" ", existing.Overrides)}]). Every shard must get the same --envs, --seeds, -c and overrides; " +
                    "or choose another folder with -o.", ExitCodes.UsageError);
            }

            return;
        }
        // Shards on several hosts (or in containers, where every process may have the same id) can get here at once:
        // each writes its own uniquely named temporary file and renames it; the contents are the same.
        var temporary = Path.Combine(folder, $".{FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json) + "\n");
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new CliException($"Cannot write '{path}': {e.Message}");
        }
    }

    public static GridManifest Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new CliException($"'{folder}' is not a benchmark folder: it has no {FileName}. Pass the folder given to `dqnbridge benchmark -o`.");
        }

        try
        {
            return JsonSerializer.Deserialize<GridManifest>(File.ReadAllText(path))
                   ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new CliException($"'{path}' is not a valid benchmark manifest: {e.Message}");
        }
    }
}
