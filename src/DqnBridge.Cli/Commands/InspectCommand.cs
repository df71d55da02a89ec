using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using DqnBridge.Agent.Checkpoints;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Torch;
using DqnBridge.Agent.Training;
using DqnBridge.Cli.Output;
using DqnBridge.Envs;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// `dqnbridge inspect`: the debug view of what the network is fed. Plays on the training environment (the config's
/// wrappers and vectorization, one environment) and, step for step with the same seed and actions, on the environment
/// evaluation plays on, and writes, for the first --steps steps of each of the first --episodes episodes, a PNG of the
/// stacked observation (every frame of the stack side by side, oldest first, so the padding at an episode's start
/// shows), a PNG of the training (above) and evaluation (below) observations, and a PNG of the raw rendered frame;
/// also each episode's final observation. It reports whether the two environments' observations were identical at
/// every step. Actions are random, or with --checkpoint the trained agent's (epsilon-greedy with --epsilon), whose
/// Q-values index.csv lists. Non-image observations go to observations.csv instead.
/// </summary>
public sealed class InspectCommand(TextWriter output, Func<EnvSpec, IVectorEnv> makeVectorEnv, Func<EnvSpec, IEnv>? makeEnv = null)
{
    public Command Create(TrainingInputs inputs)
    {
        var steps = new Option<int>("--steps", "-n") { Description = "Steps to picture at the start of each episode", DefaultValueFactory = _ => 8 };
        var episodes = new Option<int>("--episodes") { Description = "Episodes to picture (each reset starts a new set of pictures)", DefaultValueFactory = _ => 2 };
        var maxSteps = new Option<int>("--max-steps") { Description = "Stop after this many steps even if fewer episodes ended", DefaultValueFactory = _ => 20_000 };
        var scale = new Option<int>("--scale") { Description = "Enlarge observation pixels this many times", DefaultValueFactory = _ => 3 };
        var outputDir = new Option<string>("--output", "-o") { Description = "Folder for the PNGs", DefaultValueFactory = _ => "inspect" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A run folder, a run name under runs_dir, or a checkpoint folder: the trained agent acts (and its Q-values are listed) instead of random actions; its config is used" };
        var epsilon = new Option<double>("--epsilon") { Description = "With --checkpoint, the probability of a random action", DefaultValueFactory = _ => 0.0 };
        var command = new Command("inspect", "Write PNGs of the stacked observation the network receives (training and evaluation environments) and of the raw frames (debug view)");
        command.Options.Add(inputs.Env);
        command.Options.Add(inputs.Config);
        foreach (var option in new Option[] { steps, episodes, maxSteps, scale, outputDir, checkpoint, epsilon })
        {
            command.Options.Add(option);
        }

        command.Arguments.Add(inputs.Overrides);
        command.SetAction(parse =>
        {
            if (parse.GetValue(steps) < 1 || parse.GetValue(episodes) < 1 || parse.GetValue(maxSteps) < 1 || parse.GetValue(scale) < 1)
            {
                throw new CliException("--steps, --episodes, --max-steps and --scale must be at least 1.", ExitCodes.UsageError);
            }

            if (parse.GetValue(epsilon) is not (>= 0 and <= 1))
            {
                throw new CliException($"--epsilon must be in [0, 1] (it is {parse.GetValue(epsilon)}).", ExitCodes.UsageError);
            }

            (DqnConfig Config, QNetwork Network)? agent = parse.GetValue(checkpoint) is { } path ? LoadAgent(path, () => inputs.Resolve(parse).RunsDir) : null;
            try
            {
                var config = agent?.Config ?? inputs.Resolve(parse);
                return Run(config, parse.GetValue(outputDir)!, parse.GetValue(steps), parse.GetValue(episodes), parse.GetValue(maxSteps), parse.GetValue(scale),
                    agent?.Network, parse.GetValue(epsilon));
            }
            finally
            {
                agent?.Network.Dispose();
            }
        });
        return command;
    }

    /// <param name="path">A run folder, a checkpoint folder, or a run's name under runs_dir.</param>
    /// <param name="runsDir">runs_dir of the config the command line gives, for a bare run name.</param>
    private static (DqnConfig Config, QNetwork Network) LoadAgent(string path, Func<string> runsDir)
    {
        if (!Directory.Exists(path) && !File.Exists(path) && Path.Combine(runsDir(), path) is var named && Directory.Exists(named))
        {
            path = named;
        }

        string directory = AgentBackend.FindCheckpoint(path);
        if (!AgentBackend.CheckpointExists(directory))
        {
            throw new CliException($"Checkpoint '{path}' does not exist. Pass a run folder (runs/NAME) or a checkpoint folder (runs/NAME/checkpoints/best).");
        }

        var checkpoint = Checkpoint.LoadNewestComplete(directory, notice: null);
        TorchRuntime.UseThreads(checkpoint.Config.TorchThreads, checkpoint.Config.Network);
        return (checkpoint.Config, checkpoint.LoadQNetwork());
    }

    /// <param name="network">The trained agent that acts, or null for random actions.</param>
    /// <param name="epsilon">With a network, the probability of a random action instead of the greedy one.</param>
    public int Run(DqnConfig config, string folder, int stepsPerEpisode, int episodes, int maxSteps, int scale, QNetwork? network = null, double epsilon = 0)
    {
        AtomicFile.CreateFolder(folder, "inspect");
        bool canRender = config.Vectorization != VectorizationMode.Ale;
        var spec = config.ToEnvSpec(canRender ? "rgb_array" : null) with { NumEnvs = 1 };
        using var envs = makeVectorEnv(spec);
        using var evaluation = makeEnv?.Invoke(AgentBackend.EvaluationEnvSpec(config));
        var space = envs.SingleObservationSpace;
        var shape = space.Shape;
        bool stackedFrames = ObservationPicture.IsStack(shape, space.Dtype);
        bool image = stackedFrames || ObservationPicture.IsRgb(shape, space.Dtype);
        if (network is not null && (!network.ObservationShape.SequenceEqual(shape) || network.ActionCount != envs.SingleActionSpace.N))
        {
            throw new CliException($"The checkpoint's network takes observations ({string.Join(", ", network.ObservationShape)}) and {network.ActionCount} actions; " +
                $"{config.EnvId} here gives {space} and {envs.SingleActionSpace}. Inspect it with the config it was trained with.");
        }

        var index = new List<string[]>();
        var vectorRows = new List<string[]>();
        var random = new SeededRandom(config.Seed);
        using var policy = network is null ? null : new GreedyPolicy(network, space.Dtype);
        var evaluationObservation = new byte[space.ByteSize];
        int compared = 0, identical = 0;
        long firstDifference = -1;

        void Compare(long step)
        {
            if (evaluation is null)
            {
                return;
            }

            compared++;
            if (envs.Observations.SequenceEqual(evaluationObservation))
            {
                identical++;
            }
            else if (firstDifference < 0)
            {
                firstDifference = step;
            }
        }

        string QValues(ReadOnlySpan<byte> observation) => network is null ? ""
            : string.Join(' ', DebugView.QValuesOf(network, space.Dtype, observation).Select(q => q.ToString("G6", CultureInfo.InvariantCulture)));

        void Picture(ReadOnlySpan<byte> observation, string name, int episode, int step, string what, bool withFrame, string action, bool withEvaluation)
        {
            string obsFile = "", bothFile = "";
            if (image)
            {
                obsFile = name + "_obs.png";
                ObservationPicture.TrySave(Path.Combine(folder, obsFile), observation, shape, space.Dtype, scale);
                if (withEvaluation && stackedFrames && evaluation is not null)
                {
                    bothFile = name + "_train_eval.png";
                    ObservationPicture.SaveStacksAbove(Path.Combine(folder, bothFile), observation, evaluationObservation, shape, scale);
                }
            }
            else if (space.Dtype == ElementType.Float32)
            {
                var values = MemoryMarshal.Cast<byte, float>(observation.ToArray()).ToArray();
                vectorRows.Add([name, .. values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))]);
            }
            string frameFile = "";
            if (withFrame && canRender)
            {
                var frame = envs.Render(0);
                frameFile = name + "_frame.png";
                PngFile.Save(Path.Combine(folder, frameFile), frame.Pixels, frame.Height, frame.Width, 3);
            }
            index.Add([episode.ToString(CultureInfo.InvariantCulture), step.ToString(CultureInfo.InvariantCulture), what, obsFile, bothFile, frameFile,
                action, QValues(observation)]);
        }

        envs.Reset(config.Seed);
        evaluation?.Reset(evaluationObservation, config.Seed);
        Compare(0);
        int episode = 1, stepInEpisode = 0, total = 0;
        Picture(envs.Observations, Name(episode, 0), episode, 0, "first observation after reset", withFrame: true, "", withEvaluation: true);
        var actions = new int[1];
        var actionSpace = envs.SingleActionSpace;
        while (episode <= episodes && total < maxSteps)
        {
            bool explore = policy is null || random.NextDouble() < epsilon;
            actions[0] = (explore ? random.Next(actionSpace.N) : policy!.Act(envs.Observations)) + actionSpace.Start;
            envs.Step(actions);
            if (evaluation is not null && evaluation.Step(actions[0], evaluationObservation).Done)
            {
                evaluation.Reset(evaluationObservation);
            }

            total++;
            stepInEpisode++;
            Compare(total);
            string action = actions[0].ToString(CultureInfo.InvariantCulture) + (policy is not null && explore ? " (random)" : "");
            bool ended = envs.Terminated[0] || envs.Truncated[0];
            if (ended)
            {
                string how = envs.Terminated[0] ? "terminated" : "truncated";
                Picture(envs.FinalObservations, Name(episode, stepInEpisode) + "_final", episode, stepInEpisode,
                    $"final observation ({how}{(envs.CompletedEpisodes.Count == 0 ? ", a lost life: the game goes on" : "")})", withFrame: false, action, withEvaluation: false);
                episode++;
                stepInEpisode = 0;
                if (episode <= episodes)
                {
                    Picture(envs.Observations, Name(episode, 0), episode, 0, "first observation after reset", withFrame: true, "", withEvaluation: true);
                }
            }
            else if (stepInEpisode <= stepsPerEpisode)
            {
                Picture(envs.Observations, Name(episode, stepInEpisode), episode, stepInEpisode, $"after action {action}", withFrame: true, action, withEvaluation: true);
            }
        }
        AtomicFile.WriteCsv(Path.Combine(folder, "index.csv"),
            ["episode", "step", "what", "observation_png", "train_eval_png", "frame_png", "action", "q_values"], index);
        if (vectorRows.Count > 0)
        {
            AtomicFile.WriteCsv(Path.Combine(folder, "observations.csv"), ["name", .. Enumerable.Range(0, space.ElementCount).Select(i => $"x{i}")], vectorRows);
        }

        string actor = network is null ? "random" : epsilon > 0 ? $"agent (epsilon {epsilon.ToString(CultureInfo.InvariantCulture)})" : "greedy agent";
        output.WriteLine($"{config.EnvId}: observation {space}, {total} {actor} steps, {Math.Min(episode - 1, episodes)} episodes ended.");
        output.WriteLine(stackedFrames
            ? $"Each *_obs.png shows the {shape[0]} stacked frames the network receives, oldest left, newest right; *_train_eval.png the training environment's above the evaluation environment's."
            : "The observations are not images; their values are in observations.csv.");
        if (evaluation is not null)
        {
            output.WriteLine(identical == compared
                ? $"Training and evaluation environments (seed {config.Seed}, the same actions): observations identical at all {compared} steps."
                : $"Training and evaluation environments (seed {config.Seed}, the same actions): observations identical at {identical} of {compared} steps; the first difference is at step {firstDifference}.");
        }
        if (network is not null)
        {
            output.WriteLine("index.csv lists the action taken and the Q-values of every action at each pictured step.");
        }
        if (!canRender)
        {
            output.WriteLine("vectorization ale cannot render: no raw frames (use vectorization=sync for them).");
        }

        output.WriteLine($"{index.Count} pictures listed in {Path.Combine(folder, "index.csv")}");
        return ExitCodes.Ok;
    }

    private static string Name(int episode, int step) => $"ep{episode:D2}_step{step:D4}";
}
