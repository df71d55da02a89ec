using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using DqnBridge.Agent.Training;
using DqnBridge.Cli.Output;
using DqnBridge.Envs;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// `dqnbridge inspect`: the debug view of what the network is fed. Plays random actions on the training
/// environment (the config's wrappers, one environment) and writes, for the first --steps steps of each of the first
/// --episodes episodes, a PNG of the stacked observation (every frame of the stack side by side, oldest first, so the
/// padding at an episode's start shows) and a PNG of the raw rendered frame; also each episode's final observation.
/// index.csv lists every file. Non-image observations go to observations.csv instead.
/// </summary>
public sealed class InspectCommand(TextWriter output, Func<EnvSpec, IVectorEnv> makeVectorEnv)
{
    /// <summary>Pixels of mid-gray between the frames of a stack.</summary>
    private const int Gap = 4;

    public Command Create(TrainingInputs inputs)
    {
        var steps = new Option<int>("--steps", "-n") { Description = "Steps to picture at the start of each episode", DefaultValueFactory = _ => 8 };
        var episodes = new Option<int>("--episodes") { Description = "Episodes to picture (each reset starts a new set of pictures)", DefaultValueFactory = _ => 2 };
        var maxSteps = new Option<int>("--max-steps") { Description = "Stop after this many steps even if fewer episodes ended", DefaultValueFactory = _ => 20_000 };
        var scale = new Option<int>("--scale") { Description = "Enlarge observation pixels this many times", DefaultValueFactory = _ => 3 };
        var outputDir = new Option<string>("--output", "-o") { Description = "Folder for the PNGs", DefaultValueFactory = _ => "inspect" };
        var command = new Command("inspect", "Write PNGs of the stacked observation the network receives and of the raw frames (debug view)");
        command.Options.Add(inputs.Env);
        command.Options.Add(inputs.Config);
        foreach (var option in new Option[] { steps, episodes, maxSteps, scale, outputDir })
        {
            command.Options.Add(option);
        }

        command.Arguments.Add(inputs.Overrides);
        command.SetAction(parse =>
        {
            var resolved = inputs.Resolve(parse);
            if (parse.GetValue(steps) < 1 || parse.GetValue(episodes) < 1 || parse.GetValue(maxSteps) < 1 || parse.GetValue(scale) < 1)
            {
                throw new CliException("--steps, --episodes, --max-steps and --scale must be at least 1.", ExitCodes.UsageError);
            }

            return Run(resolved, parse.GetValue(outputDir)!, parse.GetValue(steps), parse.GetValue(episodes), parse.GetValue(maxSteps), parse.GetValue(scale));
        });
        return command;
    }

    public int Run(DqnConfig config, string folder, int stepsPerEpisode, int episodes, int maxSteps, int scale)
    {
        AtomicFile.CreateFolder(folder, "inspect");
        bool canRender = config.Vectorization != VectorizationMode.Ale;
        var spec = config.ToEnvSpec(canRender ? "rgb_array" : null) with { NumEnvs = 1 };
        using var envs = makeVectorEnv(spec);
        var space = envs.SingleObservationSpace;
        bool rgbImage = space.Dtype == ElementType.UInt8 && space.Shape.Length == 3 && space.Shape[2] == 3;
        bool stackedFrames = space.Dtype == ElementType.UInt8 && space.Shape.Length == 3 && !rgbImage;
        var index = new List<string[]>();
        var vectorRows = new List<string[]>();
        var random = new SeededRandom(config.Seed);

        void Picture(ReadOnlySpan<byte> observation, string name, int episode, int step, string what, bool withFrame)
        {
            string obsFile = "";
            if (stackedFrames || rgbImage)
            {
                obsFile = name + "_obs.png";
                if (rgbImage)
                {
                    PngFile.Save(Path.Combine(folder, obsFile), observation, space.Shape[0], space.Shape[1], 3, scale);
                }
                else
                {
                    SaveStack(Path.Combine(folder, obsFile), observation, space.Shape, scale);
                }
            }
            else
            {
                var values = MemoryMarshal.Cast<byte, float>(observation.ToArray()).ToArray();
                if (space.Dtype == ElementType.Float32)
                {
                    vectorRows.Add([name, .. values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))]);
                }
            }
            string frameFile = "";
            if (withFrame && canRender)
            {
                var frame = envs.Render(0);
                frameFile = name + "_frame.png";
                PngFile.Save(Path.Combine(folder, frameFile), frame.Pixels, frame.Height, frame.Width, 3);
            }
            index.Add([episode.ToString(CultureInfo.InvariantCulture), step.ToString(CultureInfo.InvariantCulture), what, obsFile, frameFile]);
        }

        envs.Reset(config.Seed);
        int episode = 1, stepInEpisode = 0, total = 0;
        Picture(envs.Observations, Name(episode, 0), episode, 0, "first observation after reset", withFrame: true);
        var actions = new int[1];
        while (episode <= episodes && total < maxSteps)
        {
            actions[0] = random.Next(envs.SingleActionSpace.N) + envs.SingleActionSpace.Start;
            envs.Step(actions);
            total++;
            stepInEpisode++;
            bool ended = envs.Terminated[0] || envs.Truncated[0];
            if (ended)
            {
                string how = envs.Terminated[0] ? "terminated" : "truncated";
                Picture(envs.FinalObservations, Name(episode, stepInEpisode) + "_final", episode, stepInEpisode,
                    $"final observation ({how}{(envs.CompletedEpisodes.Count == 0 ? ", a lost life: the game goes on" : "")})", withFrame: false);
                episode++;
                stepInEpisode = 0;
                if (episode <= episodes)
                {
                    Picture(envs.Observations, Name(episode, 0), episode, 0, "first observation after reset", withFrame: true);
                }
            }
            else if (stepInEpisode <= stepsPerEpisode)
            {
                Picture(envs.Observations, Name(episode, stepInEpisode), episode, stepInEpisode, $"after action {actions[0]}", withFrame: true);
            }
        }
        AtomicFile.WriteCsv(Path.Combine(folder, "index.csv"), ["episode", "step", "what", "observation_png", "frame_png"], index);
        if (vectorRows.Count > 0)
        {
            AtomicFile.WriteCsv(Path.Combine(folder, "observations.csv"), ["name", .. Enumerable.Range(0, space.ElementCount).Select(i => $"x{i}")], vectorRows);
        }

        output.WriteLine($"{config.EnvId}: observation {space}, {total} random steps, {Math.Min(episode - 1, episodes)} episodes ended.");
        output.WriteLine(stackedFrames
            ? $"Each *_obs.png shows the {space.Shape[0]} stacked frames the network receives, oldest left, newest right."
            : "The observations are not images; their values are in observations.csv.");
        if (!canRender)
        {
            output.WriteLine("vectorization ale cannot render: no raw frames (use vectorization=sync for them).");
        }

        output.WriteLine($"{index.Count} pictures listed in {Path.Combine(folder, "index.csv")}");
        return ExitCodes.Ok;
    }

    private static string Name(int episode, int step) => $"ep{episode:D2}_step{step:D4}";

    /// <summary>The k frames of a (k, H, W) observation side by side, oldest first, separated by mid-gray gaps.</summary>
    private static void SaveStack(string path, ReadOnlySpan<byte> observation, int[] shape, int scale)
    {
        int k = shape[0], h = shape[1], w = shape[2];
        int width = k * w + (k - 1) * Gap;
        var strip = new byte[h * width];
        strip.AsSpan().Fill(128);
        for (int f = 0; f < k; f++)
        {
            for (int y = 0; y < h; y++)
            {
                observation.Slice((f * h + y) * w, w).CopyTo(strip.AsSpan(y * width + f * (w + Gap)));
            }
        }

        PngFile.Save(path, strip, h, width, 1, scale);
    }
}
