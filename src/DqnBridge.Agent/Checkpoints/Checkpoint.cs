using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Training;
using DqnBridge.Envs;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Checkpoints;

/// <summary>
/// What a checkpoint holds: the config and the trainer's state (<see cref="TrainerState"/>: counters, RNG states,
/// the environments it was made for), and beside them in its folder the Q-network, the target network, the optimizer
/// state, the replay buffer and, when the environments allow it, their state. Opened (and verified) with
/// <see cref="Load"/>; written and recovered by <see cref="CheckpointFolder"/>.
/// </summary>
public sealed class Checkpoint
{
    /// <summary>File name of the manifest: every other file with its SHA-256, written last.</summary>
    public const string ManifestFile = "manifest.json";
    /// <summary>File name of the run's <see cref="DqnConfig"/> as JSON.</summary>
    public const string ConfigFile = "config.json";
    /// <summary>File name of the <see cref="TrainerState"/> as JSON.</summary>
    public const string StateFile = "state.json";
    /// <summary>File name of the Q-network's weights.</summary>
    public const string QNetworkFile = "q_network.bin";
    /// <summary>File name of the target network's weights.</summary>
    public const string TargetNetworkFile = "target_network.bin";
    /// <summary>File name of the optimizer's state.</summary>
    public const string OptimizerFile = "optimizer.bin";
    /// <summary>File name of the replay buffer.</summary>
    public const string ReplayFile = "replay.bin";
    /// <summary>File name of the environments' state (only for environments that can be restored).</summary>
    public const string EnvStateFile = "env_state.bin";

    /// <summary>The files every checkpoint has (env_state.bin is there only for environments that can be restored).</summary>
    internal static readonly string[] RequiredFiles = [ConfigFile, StateFile, QNetworkFile, TargetNetworkFile, OptimizerFile, ReplayFile];

    /// <summary>The files of a weights-only checkpoint (<see cref="WeightsOnly"/>).</summary>
    internal static readonly string[] WeightsOnlyFiles = [ConfigFile, StateFile, QNetworkFile];

    internal Checkpoint(string directory, DqnConfig config, TrainerState state)
    {
        Directory = directory;
        Config = config;
        State = state;
    }

    /// <summary>The checkpoint's folder.</summary>
    public string Directory { get; }
    /// <summary>The config of the run that wrote it.</summary>
    public DqnConfig Config { get; }
    /// <summary>Counters, RNG states and shapes to continue from.</summary>
    public TrainerState State { get; }

    /// <summary>
    /// True for a checkpoint of the Q-network alone (checkpoints/best, the weights of the best evaluation so far):
    /// `evaluate` and `inspect --checkpoint` load it; training cannot continue from it.
    /// </summary>
    public bool WeightsOnly { get; init; }

    /// <summary>The path of one of the checkpoint's files, e.g. <see cref="ReplayFile"/>.</summary>
    public string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>The newest complete checkpoint at <paramref name="directory"/>, verified (see <see cref="CheckpointFolder.LoadNewestComplete"/>); reads nothing else yet.</summary>
    public static Checkpoint Load(string directory) => CheckpointFolder.LoadNewestComplete(directory, notice: null);

    /// <summary>As <see cref="Load"/>, telling <paramref name="notice"/> when a sibling left by a crash is used instead of <paramref name="directory"/>.</summary>
    public static Checkpoint LoadNewestComplete(string directory, Action<string>? notice) => CheckpointFolder.LoadNewestComplete(directory, notice);

    /// <summary>Throws unless this checkpoint was made for environments like <paramref name="envs"/>.</summary>
    public void EnsureMatches(IVectorEnv envs)
    {
        var space = envs.SingleObservationSpace;
        if (State.NumEnvs != envs.NumEnvs || !TrainedOn(envs.Id, space, envs.SingleActionSpace.N))
        {
            throw new CheckpointException(
                $"Checkpoint '{Directory}' was written for {State.NumEnvs} x {State.EnvId} with {TrainedSpaces}; "
                + $"the environments given are {envs.NumEnvs} x {envs.Id} with {space} and {envs.SingleActionSpace}.");
        }
    }

    private bool TrainedOn(string envId, BoxSpace space, int? actionCount) =>
        State.EnvId == envId && State.ObservationShape.SequenceEqual(space.Shape) && State.ObservationType == space.Dtype
        && State.ActionCount == actionCount;

    private string TrainedSpaces =>
        $"observations ({string.Join(", ", State.ObservationShape)}) {State.ObservationType} and {State.ActionCount} actions";

    /// <summary>
    /// Throws unless this checkpoint's network fits <paramref name="env"/> (one environment, as evaluation runs it):
    /// the same id as the checkpoint's config and state, the same observation shape and type, the same action count.
    /// </summary>
    public void EnsureMatches(IEnv env)
    {
        var space = env.ObservationSpace;
        int? actions = env.ActionSpace is DiscreteSpace discrete ? discrete.N : null;
        if (Config.EnvId != State.EnvId)
        {
            throw new CheckpointException(
                $"Checkpoint '{Directory}' is inconsistent: its config names {Config.EnvId}, its state was written for {State.EnvId}.");
        }
        if (!TrainedOn(env.Id, space, actions))
        {
            throw new CheckpointException(
                $"Checkpoint '{Directory}' was trained on {State.EnvId} with {TrainedSpaces}; the environment to run it on is {env.Id} with "
                + $"{space} and {env.ActionSpace}. Evaluate it on the environment it was trained on.");
        }
    }

    /// <summary>The trained Q-network of a checkpoint, for evaluation; weights that are NaN or infinite are an error.</summary>
    public QNetwork LoadQNetwork()
    {
        var space = BoxSpace.Uniform(State.ObservationShape, State.ObservationType, 0, 0);
        var network = QNetwork.Create(Config, space, State.ActionCount);
        try
        {
            network.load(PathOf(QNetworkFile));
        }
        catch (Exception e)
        {
            network.Dispose();
            throw new CheckpointException($"Cannot load the Q-network from '{PathOf(QNetworkFile)}': {e.Message}", e);
        }
        // Training that diverged saves NaN weights; evaluating them would print a meaningless mean return.
        foreach (var (name, parameter) in network.named_parameters())
        {
            bool finite;
            using (NewDisposeScope())
            {
                finite = isfinite(parameter).all().item<bool>();
            }
            if (!finite)
            {
                network.Dispose();
                throw new CheckpointException(
                    $"The Q-network in '{PathOf(QNetworkFile)}' has NaN or infinite weights (in {name}): training diverged before this checkpoint.");
            }
        }
        return network;
    }
}
