using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using CsvHelper;
using CsvHelper.Configuration;
using DqnBridge.Envs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DqnBridge.Agent;

/// <summary>
/// DQN (Mnih et al. 2015) as CleanRL's dqn.py and dqn_atari.py run it. <see cref="Train"/> reads
/// top to bottom like dqn.py: epsilon, act, step, store, train every train_frequency after
/// learning_starts, update the target every target_network_frequency.
/// Run directory: episodes.csv, config.json, tensorboard/ and checkpoints/latest/.
/// </summary>
public sealed class DqnTrainer : IDisposable
{
    private const int RecentEpisodes = 100;

    private readonly DqnConfig _config;
    private readonly IVectorEnv _envs;
    private readonly ITrainingObserver? _observer;
    private readonly QNetwork _qNetwork;
    private readonly QNetwork _targetNetwork;
    private readonly Tensor _qValues;
    private readonly Tensor _targetValues;
    private readonly (string Name, Parameter Parameter)[] _namedParameters;
    private readonly FlatOptimizer _optimizer;
    private readonly IReplayBuffer _replay;
    private readonly UniformActionSampler _replayRandom;
    private readonly UniformActionSampler _explorer;
    private readonly GreedyPolicy _greedy;

    // The minibatch lives in these tensors; the replay buffer writes into their memory.
    private readonly Tensor _batchObservations;
    private readonly Tensor _batchNextObservations;
    private readonly Tensor _batchActions;
    private readonly Tensor _batchRewards;
    private readonly Tensor _batchDiscounts;
    private readonly Tensor _lossGradient;
    private readonly Tensor _batchTargets;

    private readonly int _observationBytes;
    private readonly byte[] _observations;
    private readonly int[] _actions;
    private readonly Queue<double> _recentReturns = new();
    private readonly EpisodeCsv _csv;
    private readonly SummaryWriter? _tensorboard;
    private PeriodicEvaluation? _evaluation;

    private long _nextStep;
    private long _episodes;
    private long _trainSteps;
    private double _wallTimeBefore;

    public DqnTrainer(DqnConfig config, IVectorEnv envs, string runDirectory, ITrainingObserver? observer = null)
        : this(config.Clone(), envs, runDirectory, observer, checkpoint: null)
    {
    }

    private DqnTrainer(DqnConfig config, IVectorEnv envs, string runDirectory, ITrainingObserver? observer, Checkpoint? checkpoint)
    {
        config.Validate();
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
        File.WriteAllText(Path.Combine(RunDirectory, "config.json"), Checkpoint.SaveConfig(config));

        set_num_threads(config.TorchThreads);
        random.manual_seed(config.Seed);
        var space = envs.SingleObservationSpace;
        int actionCount = envs.SingleActionSpace.N;
        _qNetwork = QNetwork.Create(config, space, actionCount);
        _targetNetwork = _qNetwork.CreateSibling();
        (_qValues, var qGradients) = _qNetwork.Flatten();
        (_targetValues, _) = _targetNetwork.Flatten();
        DqnUpdate.UpdateTarget(_targetValues, _qValues, tau: 1.0);
        _namedParameters = _qNetwork.named_parameters().ToArray();
        _optimizer = new FlatOptimizer(config.Optimizer, config.LearningRate, _qValues, qGradients);
        _replay = ReplayBuffers.Create(config, space);
        _replayRandom = new UniformActionSampler(config.Seed);
        _explorer = new UniformActionSampler(config.Seed ^ 0x5DEECE66DL);
        _greedy = new GreedyPolicy(_qNetwork, space.Dtype);

        var inputType = _replay.InputType == ElementType.UInt8 ? ScalarType.Byte : ScalarType.Float32;
        long[] batchShape = [config.BatchSize, .. (_qNetwork.Kind == NetworkKind.Mlp ? [(long)space.ElementCount] : space.Shape.Select(d => (long)d))];
        _batchObservations = zeros(batchShape, inputType);
        _batchNextObservations = zeros(batchShape, inputType);
        _batchActions = zeros([config.BatchSize, 1], ScalarType.Int64);
        _batchRewards = zeros(config.BatchSize);
        _batchDiscounts = zeros(config.BatchSize);
        _lossGradient = zeros([config.BatchSize, _envs.SingleActionSpace.N]);
        _batchTargets = zeros(config.BatchSize);

        _observationBytes = space.ByteSize;
        _observations = new byte[envs.NumEnvs * _observationBytes];
        _actions = new int[envs.NumEnvs];

        if (checkpoint is null)
        {
            envs.Reset(config.Seed);
            envs.Observations.CopyTo(_observations);
        }
        else
        {
            RestoreFrom(checkpoint);
        }
        _csv = new EpisodeCsv(Path.Combine(RunDirectory, "episodes.csv"), keepRows: checkpoint is null ? 0 : _episodes);
        _tensorboard = config.Tensorboard ? utils.tensorboard.SummaryWriter(Path.Combine(RunDirectory, "tensorboard")) : null;
    }

    /// <summary>Continues a run from its checkpoint folder (runs/NAME/checkpoints/latest); the config comes from the checkpoint.</summary>
    public static DqnTrainer Resume(string checkpointDirectory, IVectorEnv envs, ITrainingObserver? observer = null) =>
        Resume(Checkpoint.Load(checkpointDirectory), envs, observer);

    /// <summary>Continues a run from a checkpoint already loaded (and verified), e.g. to read its config first.</summary>
    public static DqnTrainer Resume(Checkpoint checkpoint, IVectorEnv envs, ITrainingObserver? observer = null)
    {
        checkpoint.EnsureMatches(envs);
        if (checkpoint.State.HasEnvState && envs is not IRestorableVectorEnv)
        {
            throw new CheckpointException($"Checkpoint '{checkpoint.Directory}' holds environment state, but {envs.Id}'s vector env cannot restore it.");
        }
        string runDirectory = Path.GetDirectoryName(Path.GetDirectoryName(checkpoint.Directory)!)!;
        return new DqnTrainer(checkpoint.Config, envs, runDirectory, observer, checkpoint);
    }

    public string RunDirectory { get; }
    public string CheckpointDirectory => Path.Combine(RunDirectory, "checkpoints", "latest");
    public DqnConfig Config => _config;
    public QNetwork QNetwork => _qNetwork;
    public QNetwork TargetNetwork => _targetNetwork;
    public IReplayBuffer Replay => _replay;
    public long GlobalStep => _nextStep;

    /// <summary>With eval_frequency > 0, evaluates on the environment <paramref name="makeEnv"/> makes (see <see cref="PeriodicEvaluation"/>).</summary>
    public void EnablePeriodicEvaluation(Func<IEnv> makeEnv) =>
        _evaluation = _config.EvalFrequency > 0 ? new PeriodicEvaluation(_config, _qNetwork, makeEnv(), RunDirectory, _tensorboard, _nextStep) : null;

    /// <summary>Trains until total_timesteps or cancellation; either way writes a checkpoint and returns a summary.</summary>
    public TrainingSummary Train(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long startStep = _nextStep;
        long lastProgressStep = _nextStep;
        var lastProgressTime = TimeSpan.Zero;
        int actionCount = _envs.SingleActionSpace.N;
        int actionStart = _envs.SingleActionSpace.Start;
        bool cancelled = false;
        string checkpointPath = "";

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

            // Epsilon-greedy: one draw decides for all environments, as CleanRL does.
            double epsilon = EpsilonSchedules.At(_config, globalStep);
            if (_explorer.NextDouble() < epsilon)
            {
                for (int i = 0; i < _actions.Length; i++)
                {
                    _actions[i] = _explorer.Next(actionCount) + actionStart;
                }
            }
            else
            {
                for (int i = 0; i < _actions.Length; i++)
                {
                    _actions[i] = _greedy.Act(_observations.AsSpan(i * _observationBytes, _observationBytes)) + actionStart;
                }
            }

            _envs.Step(_actions);
            var completed = _envs.CompletedEpisodes;
            for (int e = 0; e < completed.Count; e++)
            {
                RecordEpisode(globalStep, completed[e], epsilon, clock.Elapsed.TotalSeconds);
            }

            // Store with the true final observation of environments that ended; terminated (not truncated, unless truncation_as_terminal) is the done flag.
            var nextObservations = _envs.Observations;
            var finalObservations = _envs.FinalObservations;
            var rewards = _envs.Rewards;
            var terminated = _envs.Terminated;
            var truncated = _envs.Truncated;
            for (int i = 0; i < _actions.Length; i++)
            {
                bool done = terminated[i] || truncated[i];
                var realNext = (done ? finalObservations : nextObservations).Slice(i * _observationBytes, _observationBytes);
                _replay.Add(i, _observations.AsSpan(i * _observationBytes, _observationBytes), realNext,
                    _actions[i] - actionStart, rewards[i], terminated[i] || (_config.TruncationAsTerminal && truncated[i]), truncated[i]);
            }
            nextObservations.CopyTo(_observations);

            if (globalStep > _config.LearningStarts)
            {
                if (globalStep % _config.TrainFrequency == 0)
                {
                    TrainStep(globalStep, clock.Elapsed.TotalSeconds, globalStep - startStep);
                }
                if (globalStep % _config.TargetNetworkFrequency == 0)
                {
                    UpdateTarget();
                }
            }
            _nextStep = globalStep + 1;
            _evaluation?.AfterStep(_nextStep);

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

        double seconds = clock.Elapsed.TotalSeconds;
        checkpointPath = SaveCheckpoint(seconds);
        _csv.Flush();
        var returns = _recentReturns.ToArray();
        double mean = returns.Length > 0 ? returns.Average() : double.NaN;
        double std = returns.Length > 0 ? Math.Sqrt(returns.Select(r => (r - mean) * (r - mean)).Average()) : double.NaN;
        return new TrainingSummary(_nextStep, _episodes, _wallTimeBefore + seconds, (_nextStep - startStep) / Math.Max(seconds, 1e-9),
            mean, std, checkpointPath, cancelled);
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
        _tensorboard?.add_scalar("charts/episodic_return", (float)episode.Return, (int)globalStep);
        _tensorboard?.add_scalar("charts/episodic_length", episode.Length, (int)globalStep);
        _tensorboard?.add_scalar("charts/epsilon", (float)epsilon, (int)globalStep);
        _observer?.OnEpisode(record);
    }

    private double RecentMean() => _recentReturns.Count > 0 ? _recentReturns.Average() : double.NaN;

    /// <summary>One gradient step on a uniformly sampled minibatch (CleanRL's update).</summary>
    private void TrainStep(long globalStep, double seconds, long stepsThisCall)
    {
        _replay.Sample(_replayRandom, new ReplayBatch(
            _batchObservations.bytes, _batchNextObservations.bytes,
            MemoryMarshal.Cast<byte, long>(_batchActions.bytes),
            MemoryMarshal.Cast<byte, float>(_batchRewards.bytes),
            MemoryMarshal.Cast<byte, float>(_batchDiscounts.bytes)));
        // gamma * (1 - done), so the target is one fused multiply-add.
        var discounts = MemoryMarshal.Cast<byte, float>(_batchDiscounts.bytes);
        float gamma = (float)_config.Gamma;
        for (int i = 0; i < discounts.Length; i++)
        {
            discounts[i] = gamma * (1f - discounts[i]);
        }

        using var scope = NewDisposeScope();
        var tdTarget = DqnUpdate.TdTarget(_qNetwork, _targetNetwork, _batchNextObservations, _batchRewards, _batchDiscounts, _config.DoubleDqn, _batchTargets);
        var qValues = _qNetwork.forward(_batchObservations);
        // The loss's gradient with respect to Q(s, .) is written by hand (what mse_loss/smooth_l1_loss and gather
        // would give), which spares autograd six small nodes per update.
        float loss = DqnUpdate.LossGradient(
            MemoryMarshal.Cast<byte, float>(qValues.bytes), MemoryMarshal.Cast<byte, float>(tdTarget.bytes),
            MemoryMarshal.Cast<byte, long>(_batchActions.bytes), _config.Loss, MemoryMarshal.Cast<byte, float>(_lossGradient.bytes));

        _optimizer.ZeroGrad();
        qValues.backward([_lossGradient]);
        if (_config.MaxGradNorm > 0)
        {
            _optimizer.ClipGradNorm(_config.MaxGradNorm);
        }
        _optimizer.Step();
        _greedy.Refresh();
        _trainSteps++;

        if (_tensorboard is not null && _trainSteps % _config.LogFrequency == 0)
        {
            int step = (int)globalStep;
            _tensorboard.add_scalar("losses/td_loss", loss, step);
            _tensorboard.add_scalar("losses/q_values", qValues.gather(1, _batchActions).mean().item<float>(), step);
            _tensorboard.add_scalar("charts/SPS", (float)(stepsThisCall / Math.Max(seconds, 1e-9)), step);
            foreach (var (name, parameter) in _namedParameters)
            {
                if (parameter.grad is { } grad)
                {
                    _tensorboard.add_scalar($"gradients/{name}", grad.norm().item<float>(), step);
                }
            }
        }
    }

    private void UpdateTarget() => DqnUpdate.UpdateTarget(_targetValues, _qValues, _config.Tau);

    /// <summary>Writes checkpoints/latest for the state after the last completed step.</summary>
    public string SaveCheckpoint(double secondsThisCall = 0)
    {
        _csv.Flush();
        using var torchState = random.get_rng_state();
        var state = new TrainerState
        {
            NextStep = _nextStep,
            Episodes = _episodes,
            TrainSteps = _trainSteps,
            WallTimeSeconds = _wallTimeBefore + secondsThisCall,
            ReplayRandomState = _replayRandom.GetState(),
            ExplorationState = _explorer.GetState(),
            TorchRngState = torchState.bytes.ToArray(),
            CurrentObservations = (byte[])_observations.Clone(),
            HasEnvState = _envs is IRestorableVectorEnv,
            RecentReturns = _recentReturns.ToArray(),
            EnvId = _envs.Id,
            NumEnvs = _envs.NumEnvs,
            ObservationShape = _envs.SingleObservationSpace.Shape,
            ObservationType = _envs.SingleObservationSpace.Dtype,
            ActionCount = _envs.SingleActionSpace.N,
        };
        return Checkpoint.Save(CheckpointDirectory, _config, state, folder =>
        {
            _qNetwork.save(Path.Combine(folder, Checkpoint.QNetworkFile));
            _targetNetwork.save(Path.Combine(folder, Checkpoint.TargetNetworkFile));
            using (var writer = new BinaryWriter(File.Create(Path.Combine(folder, Checkpoint.OptimizerFile))))
            {
                _optimizer.Save(writer);
            }
            using (var writer = new BinaryWriter(new BufferedStream(File.Create(Path.Combine(folder, Checkpoint.ReplayFile)), 1 << 20)))
            {
                _replay.Save(writer);
            }
            if (_envs is IRestorableVectorEnv restorable)
            {
                File.WriteAllBytes(Path.Combine(folder, Checkpoint.EnvStateFile), restorable.SaveState());
            }
        });
    }

    private void RestoreFrom(Checkpoint checkpoint)
    {
        var state = checkpoint.State;
        try
        {
            _qNetwork.load(checkpoint.PathOf(Checkpoint.QNetworkFile));
            _targetNetwork.load(checkpoint.PathOf(Checkpoint.TargetNetworkFile));
            using (var reader = new BinaryReader(File.OpenRead(checkpoint.PathOf(Checkpoint.OptimizerFile))))
            {
                _optimizer.Load(reader);
            }
            using (var reader = new BinaryReader(new BufferedStream(File.OpenRead(checkpoint.PathOf(Checkpoint.ReplayFile)), 1 << 20)))
            {
                _replay.Load(reader);
            }
            _replayRandom.SetState(state.ReplayRandomState);
            _explorer.SetState(state.ExplorationState);
            using (var torchState = random.get_rng_state())
            {
                if (torchState.bytes.Length != state.TorchRngState.Length)
                {
                    throw new InvalidDataException($"torch RNG state has {state.TorchRngState.Length} bytes, expected {torchState.bytes.Length}");
                }
                state.TorchRngState.CopyTo(torchState.bytes);
                random.set_rng_state(torchState);
            }
            if (state.CurrentObservations.Length != _observations.Length)
            {
                throw new InvalidDataException($"saved observations have {state.CurrentObservations.Length} bytes, expected {_observations.Length}");
            }
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            throw new CheckpointException($"Checkpoint '{checkpoint.Directory}' cannot be restored: {e.Message}", e);
        }

        if (_envs is IRestorableVectorEnv restorable && state.HasEnvState)
        {
            restorable.RestoreState(File.ReadAllBytes(checkpoint.PathOf(Checkpoint.EnvStateFile)));
            state.CurrentObservations.CopyTo(_observations, 0);
        }
        else
        {
            // The environments cannot be put back mid-episode: start fresh episodes with a seed of their own.
            _envs.Reset(unchecked(_config.Seed + (int)state.NextStep));
            _envs.Observations.CopyTo(_observations);
        }
        _nextStep = state.NextStep;
        _episodes = state.Episodes;
        _trainSteps = state.TrainSteps;
        _wallTimeBefore = state.WallTimeSeconds;
        foreach (double r in state.RecentReturns)
        {
            _recentReturns.Enqueue(r);
        }
    }

    public void Dispose()
    {
        _csv.Dispose();
        _evaluation?.Dispose();
        _greedy.Dispose();
        _batchObservations.Dispose();
        _batchNextObservations.Dispose();
        _batchActions.Dispose();
        _batchRewards.Dispose();
        _batchDiscounts.Dispose();
        _lossGradient.Dispose();
        _batchTargets.Dispose();
        _optimizer.Dispose();
        _replay.Dispose();
        _targetNetwork.Dispose();
        _qNetwork.Dispose();
    }
}

/// <summary>episodes.csv, one row per finished episode, written with CsvHelper.</summary>
internal sealed class EpisodeCsv : IDisposable
{
    private sealed class RecordMap : ClassMap<EpisodeRecord>
    {
        public RecordMap()
        {
            Map(r => r.GlobalStep).Name("global_step");
            Map(r => r.Episode).Name("episode");
            Map(r => r.Return).Name("return");
            Map(r => r.Length).Name("length");
            Map(r => r.Epsilon).Name("epsilon");
            Map(r => r.WallTime).Name("wall_time");
        }
    }

    private readonly CsvWriter _csv;

    /// <summary>Opens the file; on a resume keeps the header and the first <paramref name="keepRows"/> episodes, dropping any written after the checkpoint.</summary>
    public EpisodeCsv(string path, long keepRows)
    {
        bool append = keepRows > 0 && File.Exists(path);
        if (append)
        {
            var lines = File.ReadLines(path).Take((int)keepRows + 1).ToList();
            File.WriteAllLines(path, lines);
        }
        var writer = new StreamWriter(path, append);
        _csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { HasHeaderRecord = !append });
        _csv.Context.RegisterClassMap<RecordMap>();
        if (!append)
        {
            _csv.WriteHeader<EpisodeRecord>();
            _csv.NextRecord();
        }
    }

    public void Write(EpisodeRecord record)
    {
        _csv.WriteRecord(record);
        _csv.NextRecord();
    }

    public void Flush() => _csv.Flush();

    public void Dispose() => _csv.Dispose();
}
