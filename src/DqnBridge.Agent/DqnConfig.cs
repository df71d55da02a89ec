using DqnBridge.Envs;

namespace DqnBridge.Agent;

public enum EpsilonSchedule
{
    /// <summary>CleanRL: start_e to end_e linearly over exploration_fraction * total_timesteps, then end_e.</summary>
    Linear,

    /// <summary>end_e + (start_e - end_e) * exp(-t / epsilon_decay_steps), as in the PyTorch DQN tutorial.</summary>
    Exponential,
}

public enum LossKind
{
    Mse,
    Huber,
}

public enum OptimizerKind
{
    Adam,
    AdamW,
    RMSprop,
}

/// <summary>How the vector environment steps its environments.</summary>
public enum VectorizationMode
{
    /// <summary>One process, environments stepped one after the other.</summary>
    Sync,

    /// <summary>Gymnasium's AsyncVectorEnv: one subprocess per environment (Gymnasium backend).</summary>
    Async,

    /// <summary>ALE's own C++ vector environment (ale_py.vector_env.AtariVectorEnv, threads in C++), for ALE ids.</summary>
    Ale,
}

public enum NetworkKind
{
    /// <summary>Fully connected layers of <see cref="DqnConfig.HiddenSizes"/> with ReLU.</summary>
    Mlp,

    /// <summary>The Nature DQN convolutional network (uint8 frames scaled by 1/255 inside the network).</summary>
    NatureCnn,
}

/// <summary>
/// Every hyperparameter of a run, in one place. Keys in YAML and on the command line are these
/// names in snake_case, the same words CleanRL's dqn.py uses (learning_rate, buffer_size, ...).
/// Defaults are CleanRL's dqn.py defaults for classic control.
/// </summary>
public sealed class DqnConfig
{
    // Experiment
    public string ExpName { get; set; } = "dqn";
    public int Seed { get; set; } = 1;
    public string EnvId { get; set; } = "CartPole-v1";
    public int NumEnvs { get; set; } = 1;
    public EnvBackend Backend { get; set; } = EnvBackend.Auto;
    public EnvWrappers Wrappers { get; set; } = EnvWrappers.None;

    /// <summary>Keyword arguments passed to gymnasium.make (for example continuous: false).</summary>
    public Dictionary<string, object> EnvKwargs { get; set; } = new();

    /// <summary>Frames skipped per action and frames stacked per observation, for the pixel wrappers.</summary>
    public int FrameSkip { get; set; } = 4;
    public int FrameStack { get; set; } = 4;

    /// <summary>Python executable whose environment (venv, conda) provides Gymnasium; empty means python3 on PATH.</summary>
    public string Python { get; set; } = "";

    /// <summary>CarRacing frames: resize (the 84x96 strip above the dashboard area-averaged to 84x84) or crop (img[:84, 6:90], as the CarRacing notebook).</summary>
    public CarRacingFrame CarRacingFrame { get; set; } = CarRacingFrame.Resize;

    /// <summary>How the environments are stepped: sync, async (Gymnasium subprocesses) or ale (ALE's C++ vector env, ALE ids only).</summary>
    public VectorizationMode Vectorization { get; set; } = VectorizationMode.Sync;

    /// <summary>The environment part of this config, as the environment layer takes it.</summary>
    public EnvSpec ToEnvSpec(string? renderMode = null) =>
        new(EnvId, NumEnvs, Backend, Wrappers, EnvKwargs, FrameSkip, FrameStack, Python, renderMode)
        {
            CarRacingFrame = CarRacingFrame,
            Vectorization = Vectorization.ToString().ToLowerInvariant(),
        };

    // Algorithm (CleanRL names)
    public long TotalTimesteps { get; set; } = 500_000;
    public double LearningRate { get; set; } = 2.5e-4;
    public int BufferSize { get; set; } = 10_000;
    public double Gamma { get; set; } = 0.99;
    public double Tau { get; set; } = 1.0;
    public int TargetNetworkFrequency { get; set; } = 500;
    public int BatchSize { get; set; } = 128;
    public double StartE { get; set; } = 1.0;
    public double EndE { get; set; } = 0.05;
    public double ExplorationFraction { get; set; } = 0.5;
    public long LearningStarts { get; set; } = 10_000;
    public int TrainFrequency { get; set; } = 10;

    /// <summary>Stop after this many finished episodes (or total_timesteps, whichever comes first); 0 turns it off.</summary>
    public long MaxEpisodes { get; set; } = 0;

    /// <summary>Store time-limit truncations as terminal, so the Bellman target is r alone when an episode ended either way (the CartPole-v0 notebook).</summary>
    public bool TruncationAsTerminal { get; set; } = false;

    // Options our references use beyond CleanRL
    public EpsilonSchedule EpsilonSchedule { get; set; } = EpsilonSchedule.Linear;
    public double EpsilonDecaySteps { get; set; } = 1000;
    public LossKind Loss { get; set; } = LossKind.Mse;
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>Gradient L2-norm clipping; 0 turns it off.</summary>
    public double MaxGradNorm { get; set; } = 0;
    public bool DoubleDqn { get; set; } = false;
    public NetworkKind Network { get; set; } = NetworkKind.Mlp;
    public int[] HiddenSizes { get; set; } = [120, 84];

    // Output and bookkeeping
    public string RunsDir { get; set; } = "runs";

    /// <summary>Steps between checkpoints; 0 writes one only at the end (and on Ctrl+C).</summary>
    public long CheckpointFrequency { get; set; } = 100_000;
    public bool Tensorboard { get; set; } = true;

    /// <summary>libtorch intra-op threads; one is fastest for small networks and is the bit-for-bit reference.</summary>
    public int TorchThreads { get; set; } = 1;
    public int EvalEpisodes { get; set; } = 10;
    public double EvalEpsilon { get; set; } = 0.05;

    /// <summary>Steps between evaluations during training on a separate environment (eval.csv); 0 turns them off.</summary>
    public long EvalFrequency { get; set; } = 0;

    /// <summary>When positive, each evaluation during training plays this many steps (counting the episodes that finish) instead of eval_episodes episodes.</summary>
    public long EvalSteps { get; set; } = 0;

    /// <summary>The evaluation at step t resets its environment with eval_seed + t: it depends on the step alone, so a resumed run evaluates as the uninterrupted one.</summary>
    public int EvalSeed { get; set; } = 100_000;

    /// <summary>Allocate a replay buffer larger than the memory available now (the check refuses otherwise).</summary>
    public bool AllowLargeReplay { get; set; } = false;

    /// <summary>Training steps between TensorBoard scalars for the loss, Q values and gradient norms (CleanRL logs every 100).</summary>
    public int LogFrequency { get; set; } = 100;

    /// <summary>CleanRL dqn.py's defaults (classic control): the values this class starts with.</summary>
    public static DqnConfig CleanRlClassicControl() => new();

    /// <summary>CleanRL dqn_atari.py's defaults: Nature CNN on 84x84x4 frames with the Atari wrappers.</summary>
    public static DqnConfig CleanRlAtari() => new()
    {
        EnvId = "BreakoutNoFrameskip-v4",
        Wrappers = EnvWrappers.Atari,
        Network = NetworkKind.NatureCnn,
        TotalTimesteps = 10_000_000,
        LearningRate = 1e-4,
        BufferSize = 1_000_000,
        Gamma = 0.99,
        Tau = 1.0,
        TargetNetworkFrequency = 1000,
        BatchSize = 32,
        StartE = 1.0,
        EndE = 0.01,
        ExplorationFraction = 0.10,
        LearningStarts = 80_000,
        TrainFrequency = 4,
    };

    /// <summary>A copy that shares nothing mutable with this one.</summary>
    public DqnConfig Clone()
    {
        var copy = (DqnConfig)MemberwiseClone();
        copy.EnvKwargs = new Dictionary<string, object>(EnvKwargs);
        copy.HiddenSizes = (int[])HiddenSizes.Clone();
        return copy;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first key (in CleanRL spelling) whose value cannot work.</summary>
    public void Validate()
    {
        static void Require(bool ok, string key, object value, string rule)
        {
            if (!ok)
            {
                throw new ArgumentException($"Invalid config: {key} = {value}; {rule}.");
            }
        }

        Require(!string.IsNullOrWhiteSpace(EnvId), "env_id", $"'{EnvId}'", "it must name an environment");
        Require(NumEnvs >= 1, "num_envs", NumEnvs, "it must be at least 1");
        Require(FrameSkip >= 1, "frame_skip", FrameSkip, "it must be at least 1");
        Require(FrameStack >= 1, "frame_stack", FrameStack, "it must be at least 1");
        Require(TotalTimesteps >= 1, "total_timesteps", TotalTimesteps, "it must be at least 1");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), "learning_rate", LearningRate, "it must be a positive number");
        Require(BufferSize >= 1, "buffer_size", BufferSize, "it must be at least 1");
        Require(BufferSize >= BatchSize, "buffer_size", BufferSize, $"it must hold at least batch_size ({BatchSize}) transitions");
        Require(Gamma >= 0 && Gamma <= 1, "gamma", Gamma, "it must lie in [0, 1]");
        Require(Tau > 0 && Tau <= 1, "tau", Tau, "it must lie in (0, 1] (1 is a hard copy)");
        Require(TargetNetworkFrequency >= 1, "target_network_frequency", TargetNetworkFrequency, "it must be at least 1");
        Require(BatchSize >= 1, "batch_size", BatchSize, "it must be at least 1");
        Require(StartE >= 0 && StartE <= 1, "start_e", StartE, "it must lie in [0, 1]");
        Require(EndE >= 0 && EndE <= 1, "end_e", EndE, "it must lie in [0, 1]");
        Require(ExplorationFraction > 0 && ExplorationFraction <= 1, "exploration_fraction", ExplorationFraction, "it must lie in (0, 1]");
        Require(EpsilonDecaySteps > 0, "epsilon_decay_steps", EpsilonDecaySteps, "it must be positive");
        Require(LearningStarts >= 0, "learning_starts", LearningStarts, "it must not be negative");
        Require(TrainFrequency >= 1, "train_frequency", TrainFrequency, "it must be at least 1");
        Require(MaxGradNorm >= 0, "max_grad_norm", MaxGradNorm, "it must be 0 (off) or positive");
        Require(HiddenSizes.Length >= 1 && HiddenSizes.All(size => size >= 1), "hidden_sizes", $"[{string.Join(", ", HiddenSizes)}]",
            "it needs at least one layer, each of size 1 or more");
        Require(CheckpointFrequency >= 0, "checkpoint_frequency", CheckpointFrequency, "it must be 0 (end only) or positive");
        Require(TorchThreads >= 1, "torch_threads", TorchThreads, "it must be at least 1");
        Require(EvalEpisodes >= 0, "eval_episodes", EvalEpisodes, "it must not be negative");
        Require(EvalEpsilon >= 0 && EvalEpsilon <= 1, "eval_epsilon", EvalEpsilon, "it must lie in [0, 1]");
        Require(MaxEpisodes >= 0, "max_episodes", MaxEpisodes, "it must be 0 (off) or positive");
        Require(EvalFrequency >= 0, "eval_frequency", EvalFrequency, "it must be 0 (off) or positive");
        Require(EvalSteps >= 0, "eval_steps", EvalSteps, "it must be 0 (use eval_episodes) or positive");
        Require(EvalFrequency == 0 || EvalSteps > 0 || EvalEpisodes >= 1, "eval_episodes", EvalEpisodes,
            "periodic evaluation (eval_frequency > 0) needs at least one episode, or eval_steps > 0");
        Require(Vectorization != VectorizationMode.Ale || Wrappers == EnvWrappers.Atari, "vectorization", "ale",
            "ALE's vector environment does the Atari preprocessing itself; it needs wrappers = atari and an ALE id");
        Require(LogFrequency >= 1, "log_frequency", LogFrequency, "it must be at least 1");
    }
}
