namespace DqnBridge.Cli.Tests;

/// <summary>
/// A stand-in for the agent: "trains" by emitting episodes whose returns grow with the step, so the
/// command line's own work (run folders, CSV, plots, summaries, exit codes) can be tested in isolation.
/// </summary>
internal sealed class FakeBackend : ITrainingBackend
{
    public List<DqnConfig> TrainedConfigs { get; } = [];

    /// <summary>When set, training cancels itself after this many steps, as a Ctrl+C would.</summary>
    public long? CancelAfterSteps { get; init; }

    public Exception? FailWith { get; init; }

    /// <summary>Thrown once the run has started (environments made), before the first step.</summary>
    public Exception? FailAfterStart { get; init; }

    public IReadOnlyList<BackendStatus> Backends(string python) => [new("native", true, "fake")];

    public IReadOnlyList<EnvironmentListing> ListEnvironments(string python) => Listings;

    /// <summary>What `envs` lists (and benchmark checks its ids against).</summary>
    public IReadOnlyList<EnvironmentListing> Listings { get; init; } = [new("CartPole-v1", "native", "Discrete(2)", "")];

    public TrainingSummary Train(DqnConfig config, string runDirectory, TrainingEvents events, CancellationToken cancellation)
    {
        if (FailWith is not null)
        {
            throw FailWith;
        }

        events.OnStarting();
        if (FailAfterStart is not null)
        {
            throw FailAfterStart;
        }

        TrainedConfigs.Add(config);
        const int episodeLength = 20;
        for (long step = episodeLength; step <= config.TotalTimesteps; step += episodeLength)
        {
            if (cancellation.IsCancellationRequested || step > CancelAfterSteps)
            {
                return Finish(runDirectory, step - episodeLength, cancelled: true);
            }

            var episodicReturn = config.Seed + 100.0 * step / config.TotalTimesteps;
            var episode = new EpisodeRecord(step, step / episodeLength, episodicReturn, episodeLength, 0.05, step / 1000.0);
            WriteEpisode(runDirectory, episode);
            events.OnEpisode(episode);
            events.OnProgress(new TrainingProgress(step, config.TotalTimesteps, 1000, episodicReturn, 0.05, step / episodeLength));
        }
        return Finish(runDirectory, config.TotalTimesteps, cancelled: false);
    }

    /// <summary>Appends to episodes.csv as the trainer does (benchmark merge checks results against it).</summary>
    private static void WriteEpisode(string runDirectory, EpisodeRecord e)
    {
        var path = Path.Combine(runDirectory, TrainingRun.EpisodesFile);
        if (!File.Exists(path))
        {
            File.WriteAllText(path, "global_step,episode,return,length,epsilon,wall_time\n");
        }

        File.AppendAllText(path, string.Join(',', new object[] { e.GlobalStep, e.Episode, e.Return, e.Length, e.Epsilon, e.WallTime }
            .Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))) + "\n");
    }

    /// <summary>Environments whose check (<see cref="CheckEnvironment"/>) fails with the given exception, as a continuous one would.</summary>
    public IReadOnlyDictionary<string, Exception> UnusableEnvironments { get; init; } = new Dictionary<string, Exception>();

    public List<string> CheckedEnvironments { get; } = [];

    public void CheckEnvironment(DqnConfig config)
    {
        CheckedEnvironments.Add(config.EnvId);
        if (UnusableEnvironments.TryGetValue(config.EnvId, out var problem))
        {
            throw problem;
        }
    }

    public TrainingSummary Resume(string checkpointDirectory, TrainingEvents events, CancellationToken cancellation) =>
        throw new CliException("the fake backend cannot resume");

    private static TrainingSummary Finish(string runDirectory, long steps, bool cancelled)
    {
        var checkpoint = Path.Combine(runDirectory, "checkpoints", $"step_{steps}");
        Directory.CreateDirectory(checkpoint);
        return new TrainingSummary(steps, steps / 20, steps / 1000.0, 1000, double.NaN, double.NaN, checkpoint, cancelled);
    }

    public EvaluationResult Evaluate(EvaluationRequest request, Action<RgbFrame>? onFrame, CancellationToken cancellation)
    {
        if (FailWith is not null)
        {
            throw FailWith;
        }

        var returns = new List<double>();
        for (var episode = 0; episode < request.Episodes; episode++)
        {
            returns.Add(100 + episode);
            for (var t = 0; t < 5 && onFrame is not null; t++)
            {
                var rgb = new byte[40 * 60 * 3];
                Array.Fill(rgb, (byte)(40 * t));
                onFrame(new RgbFrame(40, 60, rgb));
            }
        }
        return new EvaluationResult("CartPole-v1", returns, AgentBackend.FindCheckpoint(request.CheckpointPath));
    }
}
