using DqnBridge.Agent.Checkpoints;
using DqnBridge.Envs;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Training;

/// <summary>The trainer's checkpoint I/O: what a checkpoint folder holds, written and read back.</summary>
public sealed partial class DqnTrainer
{
    /// <summary>Writes checkpoints/latest for the state after the last completed step.</summary>
    public string SaveCheckpoint(double secondsThisCall = 0) => SaveCheckpoint(secondsThisCall, envState: null, envsStepped: false);

    /// <summary>
    /// Writes checkpoints/latest; <paramref name="envState"/> is the environments' state when they are a step ahead
    /// of the trainer (a step that failed after they had stepped), null to save their state now. With
    /// <paramref name="envsStepped"/> (a step that failed once the environments were stepping) the observations saved
    /// as the current ones are those the step started from, which a resume acts on again.
    /// </summary>
    private string SaveCheckpoint(double secondsThisCall, byte[]? envState, bool envsStepped)
    {
        _csv.Flush();
        _tensorboard?.Flush();
        using var torchState = random.get_rng_state();
        var state = new TrainerState
        {
            NextStep = _nextStep,
            Episodes = _episodes,
            TrainSteps = _trainSteps,
            WallTimeSeconds = _wallTimeBefore + secondsThisCall,
            ReplayRandomState = _replayRandom.GetState(),
            ExplorationState = _explorer.GetState(),
            NoiseRandomState = _noise?.GetState() ?? [],
            TorchRngState = torchState.bytes.ToArray(),
            CurrentObservations = (envsStepped ? ObservationsBeforeStep : _envs.Observations).ToArray(),
            HasEnvState = _envs is IRestorableVectorEnv,
            RecentReturns = _recentReturns.ToArray(),
            EnvId = _envs.Id,
            NumEnvs = _envs.NumEnvs,
            ObservationShape = _envs.SingleObservationSpace.Shape,
            ObservationType = _envs.SingleObservationSpace.Dtype,
            ActionCount = _envs.SingleActionSpace.N,
        };
        return CheckpointFolder.Save(CheckpointDirectory, _config, state, folder =>
        {
            _qNetwork.save(Path.Combine(folder, Checkpoint.QNetworkFile));
            _targetNetwork.save(Path.Combine(folder, Checkpoint.TargetNetworkFile));
            using (var writer = new BinaryWriter(File.Create(Path.Combine(folder, Checkpoint.OptimizerFile))))
            {
                _update.SaveOptimizer(writer);
            }
            using (var writer = new BinaryWriter(new BufferedStream(File.Create(Path.Combine(folder, Checkpoint.ReplayFile)), 1 << 20)))
            {
                _replay.Save(writer);
            }
            if (_envs is IRestorableVectorEnv restorable)
            {
                File.WriteAllBytes(Path.Combine(folder, Checkpoint.EnvStateFile), envState ?? restorable.SaveState());
            }
        });
    }

    /// <summary>
    /// Writes checkpoints/best: the Q-network now (after the evaluation that scored best so far) with the config and
    /// counters, atomically as every checkpoint; `evaluate RUN/checkpoints/best` plays it.
    /// </summary>
    private void SaveBestCheckpoint(double secondsThisCall)
    {
        var state = new TrainerState
        {
            NextStep = _nextStep,
            Episodes = _episodes,
            TrainSteps = _trainSteps,
            WallTimeSeconds = _wallTimeBefore + secondsThisCall,
            EnvId = _envs.Id,
            NumEnvs = _envs.NumEnvs,
            ObservationShape = _envs.SingleObservationSpace.Shape,
            ObservationType = _envs.SingleObservationSpace.Dtype,
            ActionCount = _envs.SingleActionSpace.N,
        };
        CheckpointFolder.Save(BestCheckpointDirectory, _config, state,
            folder => _qNetwork.save(Path.Combine(folder, Checkpoint.QNetworkFile)), weightsOnly: true);
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
                _update.LoadOptimizer(reader);
            }
            using (var reader = new BinaryReader(new BufferedStream(File.OpenRead(checkpoint.PathOf(Checkpoint.ReplayFile)), 1 << 20)))
            {
                _replay.Load(reader);
            }
            _replayRandom.SetState(state.ReplayRandomState);
            _explorer.SetState(state.ExplorationState);
            if (_noise is not null)
            {
                if (state.NoiseRandomState.Length != SeededRandom.StateWords)
                {
                    throw new InvalidDataException("the config has noisy = true but the checkpoint holds no noise generator state");
                }
                _noise.SetState(state.NoiseRandomState);
            }
            using (var torchState = random.get_rng_state())
            {
                if (torchState.bytes.Length != state.TorchRngState.Length)
                {
                    throw new InvalidDataException($"torch RNG state has {state.TorchRngState.Length} bytes, expected {torchState.bytes.Length}");
                }
                state.TorchRngState.CopyTo(torchState.bytes);
                random.set_rng_state(torchState);
            }
            int observationsLength = _envs.NumEnvs * _observationBytes;
            if (state.CurrentObservations.Length != observationsLength)
            {
                throw new InvalidDataException($"saved observations have {state.CurrentObservations.Length} bytes, expected {observationsLength}");
            }
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            throw new CheckpointException($"Checkpoint '{checkpoint.Directory}' cannot be restored: {e.Message}", e);
        }

        if (_envs is IRestorableVectorEnv restorable && state.HasEnvState)
        {
            // The environments' observations come back with them: the trainer acts on them.
            restorable.RestoreState(File.ReadAllBytes(checkpoint.PathOf(Checkpoint.EnvStateFile)));
        }
        else
        {
            // The environments cannot be put back mid-episode: the episodes in progress end here (n-step returns stop at
            // the last observation) and fresh ones start with a seed of their own.
            _replay.TruncateEpisodes(state.CurrentObservations);
            _envs.Reset(unchecked(_config.Seed + (int)state.NextStep));
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
}
