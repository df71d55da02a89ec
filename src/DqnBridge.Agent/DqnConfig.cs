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

    /// <summary>The environment part of this config, as the environment layer takes it.</summary>
    public EnvSpec ToEnvSpec(string? renderMode = null) =>
        new(EnvId, NumEnvs, Backend, Wrappers, EnvKwargs, FrameSkip, FrameStack, Python, renderMode);

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
}
