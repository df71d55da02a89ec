using System.Diagnostics;
using DqnBridge.Agent.Checkpoints;
using DqnBridge.Agent.Logging;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Replay;
using DqnBridge.Agent.Torch;
using DqnBridge.Agent.Updates;
using DqnBridge.Envs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Training;

/// <summary>
/// DQN (Mnih et al. 2015) as CleanRL's dqn.py and dqn_atari.py run it. <see cref="Train"/> reads
/// top to bottom like dqn.py: epsilon, act, step, store, train every train_frequency after
/// learning_starts, update the target every target_network_frequency.
/// Run directory: episodes.csv (<see cref="EpisodeCsv"/>), config.json, tensorboard/ and checkpoints/latest/
/// (written and read in DqnTrainer.Checkpointing.cs).
/// </summary>
public sealed partial class DqnTrainer : IDisposable
{
    private const int RecentEpisodes = 100;

    private readonly DqnConfig _config;
    private readonly IVectorEnv _envs;
    private readonly ITrainingObserver? _observer;
    private readonly QNetwork _qNetwork;
    private readonly QNetwork _targetNetwork;
    private readonly (string Name, Parameter Parameter)[] _namedParameters;
    private readonly IDqnUpdate _update;
    private readonly IReplayBuffer _replay;
    private readonly SeededRandom _replayRandom;
    private readonly SeededRandom _explorer;
    // Noisy nets' noise (null without them): drawn before every action and every update, saved in checkpoints.
    private readonly FactorisedNoise? _noise;
    private readonly GreedyPolicy _greedy;

    // The minibatch; the replay buffer writes into its tensors' memory.
    private readonly DqnBatch _batch;

    private readonly int _observationBytes;
    // The observations each step's actions were chosen on, for the replay buffer once the environments have stepped:
    // kept by the vector env (both built-in ones keep them), else copied here before each step.
    private readonly IKeepsObservationsBeforeStep? _keptObservations;
    private readonly byte[]? _observationsCopy;
    private readonly int[] _actions;
    private readonly Queue<double> _recentReturns = new();
    private readonly EpisodeCsv _csv;
    private readonly TensorBoardWriter? _tensorboard;
    private PeriodicEvaluation? _evaluation;

    private readonly InjectedFault? _injectedFault = InjectedFault.FromEnvironment();

    private long _nextStep;
    private long _episodes;
    private long _trainSteps;
    private double _wallTimeBefore;

    /// <summary>A new run of <paramref name="config"/> on <paramref name="envs"/> (which the caller owns), writing to <paramref name="runDirectory"/>; <paramref name="observer"/> hears of episodes and progress.</summary>
    public DqnTrainer(DqnConfig config, IVectorEnv envs, string runDirectory, ITrainingObserver? observer = null)
        : this(config.Clone(), envs, runDirectory, observer, checkpoint: null)
    {
    }

    private DqnTrainer(DqnConfig config, IVectorEnv envs, string runDirectory, ITrainingObserver? observer, Checkpoint? checkpoint)
    {
        var device = TrainingDevice.Resolve(config.Device);
        config.ValidateFor(device.type);
        if (envs.NumEnvs != config.NumEnvs)
        {
            throw new ArgumentException($"The config asks for num_envs = {config.NumEnvs}, the vector env has {envs.NumEnvs}.", nameof(envs));
        }
        // Before anything large is allocated: refuse a replay buffer the machine cannot hold.
        ReplayMemoryCheck.EnsureFits(config, envs.SingleObservationSpace, ReplayMemoryCheck.AvailableBytes());
        _config = config;
        _envs = envs;
        _observer = observer;
        RunDirectory = Path.GetFullPath(runDirectory);
        Directory.CreateDirectory(RunDirectory);
        File.WriteAllText(Path.Combine(RunDirectory, "config.json"), CheckpointJson.Serialize(config));

        TorchRuntime.UseThreads(config.TorchThreads, config.Network);
        random.manual_seed(config.Seed);
        var space = envs.SingleObservationSpace;
        int actionCount = envs.SingleActionSpace.N;
        // Both networks are initialised on the CPU from the seeded generator, then moved, so every device starts alike.
        _qNetwork = QNetwork.Create(config, space, actionCount);
        _targetNetwork = _qNetwork.CreateSibling();
        if (device.type != DeviceType.CPU)
        {
            _qNetwork.to(device);
            _targetNetwork.to(device);
        }
        _noise = config.Noisy ? new FactorisedNoise(config.Seed) : null;
        _update = DqnUpdates.Create(checkpoint is null ? config : WithPathOfSavedOptimizer(config, checkpoint.PathOf(Checkpoint.OptimizerFile)), _qNetwork, _targetNetwork, device, _noise);
        _update.UpdateTarget(tau: 1.0);
        _namedParameters = _qNetwork.named_parameters().ToArray();
        _replay = ReplayBuffers.Create(config, space);
        _replayRandom = new SeededRandom(config.Seed);
        _explorer = new SeededRandom(config.Seed ^ 0x5DEECE66DL);
        _greedy = new GreedyPolicy(_qNetwork, space.Dtype);

        var inputType = _replay.InputType == ElementType.UInt8 ? ScalarType.Byte : ScalarType.Float32;
        long[] observationShape = _qNetwork.Kind == NetworkKind.Mlp ? [space.ElementCount] : space.Shape.Select(d => (long)d).ToArray();
        _batch = new DqnBatch(config.BatchSize, observationShape, inputType, prioritized: _replay is PrioritizedReplay);

        _observationBytes = space.ByteSize;
        _keptObservations = envs as IKeepsObservationsBeforeStep;
        _observationsCopy = _keptObservations is null ? new byte[envs.NumEnvs * _observationBytes] : null;
        _actions = new int[envs.NumEnvs];

        if (checkpoint is null)
        {
            envs.Reset(config.Seed);
        }
        else
        {
            RestoreFrom(checkpoint);
        }
        _csv = new EpisodeCsv(Path.Combine(RunDirectory, "episodes.csv"), keepRows: checkpoint is null ? 0 : _episodes);
        _tensorboard = config.Tensorboard ? new TensorBoardWriter(Path.Combine(RunDirectory, "tensorboard")) : null;
    }

    /// <summary>
    /// The config to build the update from when resuming: with update_path = auto, the path whose optimizer state the
    /// checkpoint holds, so a run saved when auto chose the reference path for a CNN (before auto chose the fused path on
    /// the CPU) resumes on the reference path and equals the uninterrupted run.
    /// </summary>
    internal static DqnConfig WithPathOfSavedOptimizer(DqnConfig config, string optimizerFile)
    {
        if (config.UpdatePath != UpdatePath.Auto || !File.Exists(optimizerFile))
        {
            return config;
        }
        using var reader = new BinaryReader(File.OpenRead(optimizerFile));
        if (reader.BaseStream.Length < sizeof(int) || reader.ReadInt32() != ReferenceUpdate.OptimizerFileTag)
        {
            return config;
        }
        var reference = config.Clone();
        reference.UpdatePath = UpdatePath.Reference;
        return reference;
    }

    /// <summary>Continues a run from its checkpoint folder (runs/NAME/checkpoints/latest); the config comes from the checkpoint.</summary>
    public static DqnTrainer Resume(string checkpointDirectory, IVectorEnv envs, ITrainingObserver? observer = null) =>
        Resume(Checkpoint.Load(checkpointDirectory), envs, observer);

    /// <summary>Continues a run from a checkpoint already loaded (and verified), e.g. to read its config first.</summary>
    public static DqnTrainer Resume(Checkpoint checkpoint, IVectorEnv envs, ITrainingObserver? observer = null)
    {
        if (checkpoint.WeightsOnly)
        {
            throw new CheckpointException($"Checkpoint '{checkpoint.Directory}' holds only the Q-network's weights (the best evaluation's, for evaluate); " +
                "resume the run from its checkpoints/latest.");
        }
        checkpoint.EnsureMatches(envs);
        if (checkpoint.State.HasEnvState && envs is not IRestorableVectorEnv)
        {
            throw new CheckpointException($"Checkpoint '{checkpoint.Directory}' holds environment state, but {envs.Id}'s vector env cannot restore it.");
        }
        string runDirectory = Path.GetDirectoryName(Path.GetDirectoryName(checkpoint.Directory)!)!;
        return new DqnTrainer(checkpoint.Config, envs, runDirectory, observer, checkpoint);
    }

    /// <summary>The run folder: episodes.csv, TensorBoard events, checkpoints.</summary>
    public string RunDirectory { get; }
    /// <summary>Where the latest checkpoint is written.</summary>
    public string CheckpointDirectory => Path.Combine(RunDirectory, "checkpoints", "latest");
    /// <summary>Where the Q-network of the best evaluation so far is written (weights only, see <see cref="Checkpoint.WeightsOnly"/>).</summary>
    public string BestCheckpointDirectory => Path.Combine(RunDirectory, "checkpoints", "best");
    /// <summary>The online Q-network (owned by the trainer).</summary>
    public QNetwork QNetwork => _qNetwork;
    /// <summary>The target network (owned by the trainer).</summary>
    public QNetwork TargetNetwork => _targetNetwork;
    /// <summary>The replay buffer (owned by the trainer).</summary>
    public IReplayBuffer Replay => _replay;
    /// <summary>The next environment step (steps count every environment of the vector).</summary>
    public long GlobalStep => _nextStep;

    /// <summary>With eval_frequency > 0, evaluates on the environment <paramref name="makeEnv"/> makes (see <see cref="PeriodicEvaluation"/>).</summary>
    public void EnablePeriodicEvaluation(Func<IEnv> makeEnv) =>
        _evaluation = _config.EvalFrequency > 0 ? new PeriodicEvaluation(_config, _qNetwork, makeEnv(), RunDirectory, _tensorboard, _nextStep) : null;

    /// <summary>Trains until total_timesteps or cancellation; either way writes a checkpoint and returns a summary.</summary>
    public TrainingSummary Train(CancellationToken cancellationToken)
    {
        TorchRuntime.FlushSubnormals(); // on the thread that trains, which need not be the one that built the trainer
        var clock = Stopwatch.StartNew();
        long startStep = _nextStep;
        long lastProgressStep = _nextStep;
        var lastProgressTime = TimeSpan.Zero;
        int actionCount = _envs.SingleActionSpace.N;
        int actionStart = _envs.SingleActionSpace.Start;
        bool cancelled = false;
        string checkpointPath = "";
        Span<ulong> explorerBeforeStep = stackalloc ulong[SeededRandom.StateWords];
        Span<ulong> noiseBeforeStep = stackalloc ulong[SeededRandom.StateWords];
        Span<ulong> replayRandomBeforeStep = stackalloc ulong[SeededRandom.StateWords];
        var recentReturnsBeforeStep = new double[RecentEpisodes];

        for (long globalStep = _nextStep; globalStep < _config.TotalTimesteps; globalStep++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }
            if (_config.MaxEpisodes > 0 && _episodes >= _config.MaxEpisodes)
            {
                break;
            }

            // Epsilon-greedy: one draw decides for all environments, as CleanRL does. Noisy nets explore through their
            // noise instead (epsilon 0, no draw), one fresh sample per step for all environments.
            double epsilon = _noise is null ? EpsilonSchedules.At(_config, globalStep) : 0;
            var observations = _envs.Observations;
            _explorer.CopyStateTo(explorerBeforeStep);
            _noise?.CopyStateTo(noiseBeforeStep);
            bool explored = false;
            bool envsStepping = false;
            try
            {
                if (_noise is null && _explorer.NextDouble() < epsilon)
                {
                    explored = true;
                    for (int i = 0; i < _actions.Length; i++)
                    {
                        _actions[i] = _explorer.Next(actionCount) + actionStart;
                    }
                }
                else
                {
                    _noise?.Resample(_qNetwork);
                    for (int i = 0; i < _actions.Length; i++)
                    {
                        _actions[i] = _greedy.Act(observations.Slice(i * _observationBytes, _observationBytes)) + actionStart;
                    }
                }

                if (_observationsCopy is not null)
                {
                    observations.CopyTo(_observationsCopy);
                }
                envsStepping = true;
                _envs.Step(_actions);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Nothing of this step is applied yet but the exploration draws: undo them, so the checkpoint is the
                // state after the previous step and a resume takes this step again.
                _explorer.SetState(explorerBeforeStep);
                _noise?.SetState(noiseBeforeStep);
                throw StepFailed(globalStep, e, clock.Elapsed.TotalSeconds, envState: null, envsStepped: envsStepping);
            }

            // Up to the optimizer step, everything this step changes can be taken back (the catch below), so that a failure
            // checkpoints the state after the previous step; what follows is arithmetic on memory that exists.
            bool trains = globalStep > _config.LearningStarts && globalStep % _config.TrainFrequency == 0;
            bool logged = false;
            long episodesBefore = _episodes;
            int recentBefore = 0;
            _replay.BeginStep();
            _replayRandom.CopyStateTo(replayRandomBeforeStep);
            try
            {
                if (_config.DebugFrequency > 0 && globalStep % _config.DebugFrequency == 0 && _observer is not null)
                {
                    ShowDebugView(globalStep, explored, epsilon);
                }
                var completed = _envs.CompletedEpisodes;
                if (completed.Count > 0)
                {
                    _recentReturns.CopyTo(recentReturnsBeforeStep, 0);
                    recentBefore = _recentReturns.Count;
                }
                for (int e = 0; e < completed.Count; e++)
                {
                    RecordEpisode(globalStep, completed[e], epsilon, clock.Elapsed.TotalSeconds);
                }

                // Store with the true final observation of environments that ended; terminated (not truncated, unless truncation_as_terminal) is the done flag.
                var chosenOn = ObservationsBeforeStep;
                var nextObservations = _envs.Observations;
                var finalObservations = _envs.FinalObservations;
                var rewards = _envs.Rewards;
                var terminated = _envs.Terminated;
                var truncated = _envs.Truncated;
                for (int i = 0; i < _actions.Length; i++)
                {
                    bool done = terminated[i] || truncated[i];
                    var realNext = (done ? finalObservations : nextObservations).Slice(i * _observationBytes, _observationBytes);
                    _replay.Add(i, chosenOn.Slice(i * _observationBytes, _observationBytes), realNext,
                        _actions[i] - actionStart, rewards[i], terminated[i] || (_config.TruncationAsTerminal && truncated[i]), truncated[i]);
                    _injectedFault?.At(InjectedFault.Store, globalStep);
                }

                if (trains)
                {
                    logged = ComputeUpdate(globalStep);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _explorer.SetState(explorerBeforeStep);
                _noise?.SetState(noiseBeforeStep);
                _replayRandom.SetState(replayRandomBeforeStep);
                _replay.UndoStep();
                if (_episodes != episodesBefore)
                {
                    _episodes = episodesBefore;
                    _recentReturns.Clear();
                    for (int r = 0; r < recentBefore; r++)
                    {
                        _recentReturns.Enqueue(recentReturnsBeforeStep[r]);
                    }
                }
                throw StepFailedAfterEnvironments(globalStep, e, clock.Elapsed.TotalSeconds);
            }

            try
            {
                if (trains)
                {
                    _update.ApplyGradients();
                    // Prioritized replay: the drawn transitions' |TD errors| become their priorities once the update is applied.
                    (_replay as PrioritizedReplay)?.UpdatePriorities(_batch.Slots, _batch.TdErrors);
                    _greedy.Refresh();
                    _trainSteps++;
                }
                if (globalStep > _config.LearningStarts && globalStep % _config.TargetNetworkFrequency == 0)
                {
                    _update.UpdateTarget(_config.Tau);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new TrainingFailedException(globalStep, checkpoint: null, e,
                    "It failed while applying the network update, which cannot be taken back");
            }
            _nextStep = globalStep + 1;

            // The step is complete: a failure from here on keeps the state after it.
            try
            {
                if (logged)
                {
                    LogPriorities(globalStep);
                }
                if (_tensorboard is not null && _nextStep % _config.LogFrequency == 0)
                {
                    // From the first steps on, warm-up included (CleanRL logs it only once learning has started).
                    _tensorboard.AddScalar("charts/SPS", (float)((_nextStep - startStep) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)), globalStep);
                }
                if (_evaluation?.AfterStep(_nextStep) is { } evaluation)
                {
                    if (evaluation.IsBest)
                    {
                        SaveBestCheckpoint(clock.Elapsed.TotalSeconds);
                    }
                    _observer?.OnEvaluation(evaluation);
                }
                if (_config.CheckpointFrequency > 0 && _nextStep % _config.CheckpointFrequency == 0 && _nextStep < _config.TotalTimesteps)
                {
                    checkpointPath = SaveCheckpoint(clock.Elapsed.TotalSeconds);
                }
                if (_observer is not null && (_nextStep - lastProgressStep >= 1000 || ((_nextStep & 127) == 0 && clock.Elapsed - lastProgressTime > TimeSpan.FromSeconds(0.5))))
                {
                    _observer.OnProgress(new TrainingProgress(_nextStep, _config.TotalTimesteps,
                        (_nextStep - startStep) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), RecentMean(), epsilon, _episodes));
                    lastProgressStep = _nextStep;
                    lastProgressTime = clock.Elapsed;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw StepFailed(_nextStep, e, clock.Elapsed.TotalSeconds);
            }
        }

        double seconds = clock.Elapsed.TotalSeconds;
        checkpointPath = SaveCheckpoint(seconds); // flushes episodes.csv and TensorBoard first
        var returns = _recentReturns.ToArray();
        double mean = returns.Length > 0 ? returns.Average() : double.NaN;
        double std = returns.Length > 0 ? Math.Sqrt(returns.Select(r => (r - mean) * (r - mean)).Average()) : double.NaN;
        return new TrainingSummary(_nextStep, _episodes, _wallTimeBefore + seconds, (_nextStep - startStep) / Math.Max(seconds, 1e-9),
            mean, std, checkpointPath, cancelled);
    }

    /// <summary>
    /// Step <paramref name="globalStep"/> failed before any of it was applied: writes the checkpoint of the state after
    /// the previous step and returns the error to throw, which says where the run stopped and how to continue it. With
    /// <paramref name="envsStepped"/> (the environments were stepped, or began to, in this step) the checkpoint's
    /// observations are those the step started from.
    /// </summary>
    private TrainingFailedException StepFailed(long globalStep, Exception error, double seconds, byte[]? envState = null, bool envsStepped = false)
    {
        try
        {
            string checkpoint = SaveCheckpoint(seconds, envState, envsStepped);
            return new TrainingFailedException(globalStep, checkpoint, error);
        }
        catch (Exception saveError)
        {
            return new TrainingFailedException(globalStep, checkpoint: null, new AggregateException(error, saveError));
        }
    }

    /// <summary>
    /// Step <paramref name="globalStep"/> failed after the environments had stepped, and the trainer has taken back
    /// what it applied: checkpoints the state after the previous step with the environments as they were before this
    /// one, and returns the error to throw.
    /// </summary>
    private TrainingFailedException StepFailedAfterEnvironments(long globalStep, Exception error, double seconds)
    {
        byte[]? envState;
        try
        {
            envState = _envs is IRestorableVectorEnv restorable ? restorable.SaveStateBeforeLastStep() : null;
        }
        catch (Exception saveError)
        {
            return new TrainingFailedException(globalStep, checkpoint: null, new AggregateException(error, saveError));
        }
        if (envState is null && _envs is IRestorableVectorEnv)
        {
            return new TrainingFailedException(globalStep, checkpoint: null, error,
                $"{_envs.Id}'s environments had stepped already and cannot be put back to before that step");
        }
        return StepFailed(globalStep, error, seconds, envState, envsStepped: true);
    }

    private void RecordEpisode(long globalStep, CompletedEpisode episode, double epsilon, double seconds)
    {
        _episodes++;
        var record = new EpisodeRecord(globalStep, _episodes, episode.Return, episode.Length, epsilon, _wallTimeBefore + seconds);
        _recentReturns.Enqueue(episode.Return);
        if (_recentReturns.Count > RecentEpisodes)
        {
            _recentReturns.Dequeue();
        }
        _csv.Write(record);
        _tensorboard?.AddScalar("charts/episodic_return", (float)episode.Return, globalStep);
        _tensorboard?.AddScalar("charts/episodic_length", episode.Length, globalStep);
        _tensorboard?.AddScalar("charts/epsilon", (float)epsilon, globalStep);
        _observer?.OnEpisode(record);
    }

    /// <summary>Once the environments have stepped: the observations this step's actions were chosen on.</summary>
    private ReadOnlySpan<byte> ObservationsBeforeStep => _keptObservations is not null ? _keptObservations.ObservationsBeforeStep : _observationsCopy;

    private double RecentMean() => _recentReturns.Count > 0 ? _recentReturns.Average() : double.NaN;

    /// <summary>
    /// The first half of a gradient step on a minibatch drawn uniformly (CleanRL's update, by <see cref="IDqnUpdate"/>)
    /// or by priority: the sample, the gradients and their TensorBoard scalars, all before any weight or priority
    /// changes; the train loop then applies them and writes the |TD errors| back as priorities. Returns whether it logged.
    /// </summary>
    private bool ComputeUpdate(long globalStep)
    {
        var prioritized = _replay as PrioritizedReplay;
        if (prioritized is not null)
        {
            prioritized.Beta = PrioritizedReplay.AnnealedBeta(_config.PerBetaStart, globalStep, _config.TotalTimesteps);
        }
        _replay.Sample(_replayRandom, _batch.View);
        bool log = _tensorboard is not null && (_trainSteps + 1) % _config.LogFrequency == 0;
        var statistics = _update.ComputeGradients(_batch, withStatistics: log);
        _injectedFault?.At(InjectedFault.Update, globalStep);

        if (log)
        {
            using var scope = NewDisposeScope();
            _tensorboard!.AddScalar("losses/td_loss", statistics.Loss, globalStep);
            _injectedFault?.At(InjectedFault.Log, globalStep);
            _tensorboard.AddScalar("losses/q_values", statistics.QValueMean, globalStep);
            // The gradient the optimizer applied (after any clipping): per parameter, and the whole vector's L2 norm.
            double squares = 0;
            foreach (var (name, parameter) in _namedParameters)
            {
                if (parameter.grad is { } grad)
                {
                    float norm = grad.norm().item<float>();
                    squares += (double)norm * norm;
                    _tensorboard.AddScalar($"gradients/{name}", norm, globalStep);
                }
            }
            _tensorboard.AddScalar("gradients/total_norm", (float)Math.Sqrt(squares), globalStep);
            // Noisy nets: how much noise each layer has kept (the mean |sigma| of its weights).
            foreach (var (name, parameter) in _namedParameters)
            {
                if (name.EndsWith("weight_sigma", StringComparison.Ordinal))
                {
                    _tensorboard.AddScalar($"noise/{name}", parameter.abs().mean().item<float>(), globalStep);
                }
            }
        }
        return log;
    }

    /// <summary>Prioritized replay's scalars for a logged train step, once the step's |TD errors| are its priorities.</summary>
    private void LogPriorities(long globalStep)
    {
        if (_replay is PrioritizedReplay prioritized)
        {
            _tensorboard!.AddScalar("replay/beta", (float)prioritized.Beta, globalStep);
            _tensorboard.AddScalar("replay/mean_priority", (float)prioritized.MeanPriority, globalStep);
            _tensorboard.AddScalar("replay/max_priority", (float)Math.Pow(prioritized.MaxPriority, _config.PerAlpha), globalStep);
        }
    }

    /// <summary>Environment 0's observation, the action taken there and its Q-values, to the observer (debug_frequency).</summary>
    private void ShowDebugView(long globalStep, bool explored, double epsilon)
    {
        var space = _envs.SingleObservationSpace;
        var observation = ObservationsBeforeStep[.._observationBytes]; // what the action was chosen on
        var qValues = DebugView.QValuesOf(_qNetwork, space.Dtype, observation);
        _observer!.OnDebugView(new DebugView(globalStep, observation.ToArray(), space.Shape, space.Dtype, _actions[0], explored, epsilon, qValues));
    }

    /// <summary>The update path this run uses (auto resolved).</summary>
    public UpdatePath UpdatePath => _update.Path;

    /// <inheritdoc/>
    public void Dispose()
    {
        _csv.Dispose();
        _evaluation?.Dispose();
        _tensorboard?.Dispose();
        _greedy.Dispose();
        _batch.Dispose();
        _update.Dispose();
        _replay.Dispose();
        _targetNetwork.Dispose();
        _qNetwork.Dispose();
    }
}
