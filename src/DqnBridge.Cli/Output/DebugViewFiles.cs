using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using DqnBridge.Agent.Training;
using DqnBridge.Envs;

namespace DqnBridge.Cli.Output;

/// <summary>
/// debug_frequency's files: runs/NAME/debug/step-000000123.png (the stacked frames the network receives, oldest left)
/// and step-000000123.json (the action taken, whether exploration chose it, epsilon, the Q-values and the greedy
/// action). A non-image observation has its values in the JSON instead of a PNG. Each file is written whole.
/// </summary>
public static class DebugViewFiles
{
    public const string Folder = "debug";

    /// <summary>Pixels per observation pixel in the PNGs.</summary>
    private const int Scale = 3;

    /// <summary>Writes one view's files into runDirectory/debug; returns the JSON's path.</summary>
    public static string Save(string runDirectory, DebugView view)
    {
        string folder = Path.Combine(runDirectory, Folder);
        Directory.CreateDirectory(folder);
        string name = $"step-{view.GlobalStep.ToString("D9", CultureInfo.InvariantCulture)}";
        string png = Path.Combine(folder, name + ".png");
        string temporary = Path.Combine(folder, $".{name}.{Environment.ProcessId}.tmp.png");
        bool picture = ObservationPicture.TrySave(temporary, view.Observation, view.ObservationShape, view.ObservationType, Scale);
        if (picture)
        {
            File.Move(temporary, png, overwrite: true);
        }

        string json = Path.Combine(folder, name + ".json");
        AtomicFile.WriteAllText(json, Describe(view, picture ? Path.GetFileName(png) : null));
        return json;
    }

    /// <summary>The JSON sidecar: what the agent did and why.</summary>
    public static string Describe(DebugView view, string? picture)
    {
        var document = new Dictionary<string, object?>
        {
            ["global_step"] = view.GlobalStep,
            ["action"] = view.Action,
            ["explored"] = view.Explored,
            ["epsilon"] = view.Epsilon,
            ["q_values"] = view.QValues,
            ["greedy_action_index"] = GreedyIndex(view.QValues),
            ["observation_shape"] = view.ObservationShape,
            ["observation_png"] = picture,
        };
        if (picture is null)
        {
            document["observation"] = ObservationValues(view);
        }
        return JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>argmax of the Q-values, ties to the lowest index (as the greedy policy).</summary>
    public static int GreedyIndex(IReadOnlyList<float> qValues)
    {
        int best = 0;
        for (int a = 1; a < qValues.Count; a++)
        {
            if (qValues[a] > qValues[best])
            {
                best = a;
            }
        }
        return best;
    }

    private static double[] ObservationValues(DebugView view) => view.ObservationType switch
    {
        ElementType.Float32 => MemoryMarshal.Cast<byte, float>(view.Observation).ToArray().Select(v => (double)v).ToArray(),
        ElementType.Float64 => MemoryMarshal.Cast<byte, double>(view.Observation).ToArray(),
        ElementType.Int64 => MemoryMarshal.Cast<byte, long>(view.Observation).ToArray().Select(v => (double)v).ToArray(),
        _ => view.Observation.Select(v => (double)v).ToArray(),
    };
}
