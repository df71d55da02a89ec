using System.ComponentModel;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Updates;
using DqnBridge.Envs;
using TorchSharp;

namespace DqnBridge.Agent.Training;

/// <summary>The return distribution the network learns (the <c>distributional</c> key).</summary>
public enum Distributional
{
    /// <summary>None: one expected return per action (DQN).</summary>
    None,

    /// <summary>Categorical over a fixed support of n_atoms atoms (C51, Bellemare et al. 2017).</summary>
    C51,
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

/// <summary>
/// Every hyperparameter of a run, in one place. Keys in YAML and on the command line are these
/// names in snake_case, the same words CleanRL's dqn.py uses (learning_rate, buffer_size, ...).
/// Defaults are CleanRL's dqn.py defaults for classic control. Each property's [Description] is what
/// `dqnbridge config keys` and docs/config-keys.md print for it.
/// </summary>
public sealed class DqnConfig
{
    // Experiment
    /// <summary>Experiment name, part of the run name.</summary>
    [Description("Experiment name, part of the run name")]
    public string ExpName { get; set; } = "dqn";

    /// <summary>Seed of the network, replay sampling, exploration and environments.</summary>
    [Description("Seed of the network, replay sampling, exploration and environments")]
    public int Seed { get; set; } = 1;

    /// <summary>Environment id, e.g. CartPole-v1 or ALE/Pong-v5.</summary>
    [Description("Environment id, e.g. CartPole-v1 or ALE/Pong-v5")]
    public string EnvId { get; set; } = "CartPole-v1";

    /// <summary>Environments stepped together in the vector environment (1 to 1024).</summary>
    [Description("Environments stepped together in the vector environment (1 to 1024)")]
    public int NumEnvs { get; set; } = 1;

    /// <summary>auto uses Gymnasium when importable, else the built-in environment.</summary>
    [Description("auto uses Gymnasium when importable, else the built-in environment")]
    public EnvBackend Backend { get; set; } = EnvBackend.Auto;

    /// <summary>Pixel preprocessing: none, atari (Nature DQN) or car_racing.</summary>
    [Description("Pixel preprocessing: none, atari (Nature DQN) or car_racing")]
    public EnvWrappers Wrappers { get; set; } = EnvWrappers.None;

    /// <summary>Keyword arguments for gymnasium.make, e.g. env_kwargs.continuous=false.</summary>
    [Description("Keyword arguments for gymnasium.make, e.g. env_kwargs.continuous=false")]
    public Dictionary<string, object> EnvKwargs { get; set; } = new();

    /// <summary>Python modules imported before the environment is made (in async workers too), e.g. [my_pkg.my_envs] for a package that registers its own envs; an env_id of the form module:EnvId-v0 imports its module the same way.</summary>
    [Description("Python modules imported before the environment is made (in async workers too), e.g. [my_pkg.my_envs] for a package that registers its own envs; an env_id of the form module:EnvId-v0 imports its module the same way")]
    public string[] EnvModules { get; set; } = [];

    /// <summary>Frames per action for the pixel wrappers.</summary>
    [Description("Frames per action for the pixel wrappers")]
    public int FrameSkip { get; set; } = 4;

    /// <summary>Frames per observation for the pixel wrappers.</summary>
    [Description("Frames per observation for the pixel wrappers")]
    public int FrameStack { get; set; } = 4;

    /// <summary>What fills the frame stack at an episode's start: reset (copies of the first frame, Gymnasium's default) or zero (black frames).</summary>
    [Description("What fills the frame stack at an episode's start: reset (copies of the first frame, Gymnasium's default) or zero (black frames)")]
    public FrameStackPadding FrameStackPadding { get; set; } = FrameStackPadding.Reset;

    /// <summary>Python executable whose environment has Gymnasium; empty finds python3.</summary>
    [Description("Python executable whose environment has Gymnasium; empty finds python3")]
    public string Python { get; set; } = "";

    /// <summary>CarRacing frames: resize (84x96 strip above the dashboard, area-averaged to 84x84) or crop (img[:84, 6:90], the CarRacing notebook's).</summary>
    [Description("CarRacing frames: resize (84x96 strip above the dashboard, area-averaged to 84x84) or crop (img[:84, 6:90], the CarRacing notebook's)")]
    public CarRacingFrame CarRacingFrame { get; set; } = CarRacingFrame.Resize;

    /// <summary>How environments are stepped: sync, async (Gymnasium subprocesses) or ale (ALE's C++ AtariVectorEnv; ALE ids with wrappers=atari).</summary>
    [Description("How environments are stepped: sync, async (Gymnasium subprocesses) or ale (ALE's C++ AtariVectorEnv; ALE ids with wrappers=atari)")]
    public VectorizationMode Vectorization { get; set; } = VectorizationMode.Sync;

    /// <summary>The environment part of this config, as the environment layer takes it.</summary>
    public EnvSpec ToEnvSpec(string? renderMode = null) =>
        new(EnvId, NumEnvs, Backend, Wrappers, EnvKwargs, FrameSkip, FrameStack, Python, renderMode)
        {
            CarRacingFrame = CarRacingFrame,
            FrameStackPadding = FrameStackPadding,
            Vectorization = Vectorization.ToString().ToLowerInvariant(),
            EnvModules = EnvModules,
        };

    // Algorithm (CleanRL names)
    /// <summary>Vector steps to train for, as CleanRL's global_step: each step advances all num_envs environments.</summary>
    [Description("Vector steps to train for, as CleanRL's global_step: each step advances all num_envs environments")]
    public long TotalTimesteps { get; set; } = 500_000;

    /// <summary>Optimizer learning rate.</summary>
    [Description("Optimizer learning rate")]
    public double LearningRate { get; set; } = 2.5e-4;

    /// <summary>Replay memory capacity in transitions.</summary>
    [Description("Replay memory capacity in transitions")]
    public int BufferSize { get; set; } = 10_000;

    /// <summary>Discount factor.</summary>
    [Description("Discount factor")]
    public double Gamma { get; set; } = 0.99;

    /// <summary>Target network update rate; 1.0 copies the weights.</summary>
    [Description("Target network update rate; 1.0 copies the weights")]
    public double Tau { get; set; } = 1.0;

    /// <summary>Steps between target network updates.</summary>
    [Description("Steps between target network updates")]
    public int TargetNetworkFrequency { get; set; } = 500;

    /// <summary>Transitions sampled per gradient step.</summary>
    [Description("Transitions sampled per gradient step")]
    public int BatchSize { get; set; } = 128;

    /// <summary>Starting exploration epsilon.</summary>
    [Description("Starting exploration epsilon")]
    public double StartE { get; set; } = 1.0;

    /// <summary>Final exploration epsilon.</summary>
    [Description("Final exploration epsilon")]
    public double EndE { get; set; } = 0.05;

    /// <summary>Fraction of total_timesteps over which a linear epsilon decays.</summary>
    [Description("Fraction of total_timesteps over which a linear epsilon decays")]
    public double ExplorationFraction { get; set; } = 0.5;

    /// <summary>Vector steps of random play before learning starts; each adds num_envs transitions (a warm-up of W transitions is W / num_envs).</summary>
    [Description("Vector steps of random play before learning starts; each adds num_envs transitions (a warm-up of W transitions is W / num_envs)")]
    public long LearningStarts { get; set; } = 10_000;

    /// <summary>Steps between gradient steps.</summary>
    [Description("Steps between gradient steps")]
    public int TrainFrequency { get; set; } = 10;

    /// <summary>Stop after this many finished episodes (or total_timesteps, whichever is first); 0 turns it off.</summary>
    [Description("Stop after this many finished episodes (or total_timesteps, whichever is first); 0 turns it off")]
    public long MaxEpisodes { get; set; } = 0;

    /// <summary>Treat time-limit truncation as terminal: the Bellman target is r alone when an episode ended either way.</summary>
    [Description("Treat time-limit truncation as terminal: the Bellman target is r alone when an episode ended either way")]
    public bool TruncationAsTerminal { get; set; } = false;

    // Options our references use beyond CleanRL
    /// <summary>linear (CleanRL) or exponential (end_e + (start_e - end_e) exp(-t / epsilon_decay_steps)).</summary>
    [Description("linear (CleanRL) or exponential (end_e + (start_e - end_e) exp(-t / epsilon_decay_steps))")]
    public EpsilonSchedule EpsilonSchedule { get; set; } = EpsilonSchedule.Linear;

    /// <summary>Time constant of the exponential epsilon schedule.</summary>
    [Description("Time constant of the exponential epsilon schedule")]
    public double EpsilonDecaySteps { get; set; } = 1000;

    /// <summary>TD loss: mse (CleanRL) or huber (smooth L1).</summary>
    [Description("TD loss: mse (CleanRL) or huber (smooth L1)")]
    public LossKind Loss { get; set; } = LossKind.Mse;

    /// <summary>adam, adamw or rmsprop.</summary>
    [Description("adam, adamw or rmsprop")]
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>Gradient L2-norm clipping; 0 turns it off.</summary>
    [Description("Gradient L2-norm clipping; 0 turns it off")]
    public double MaxGradNorm { get; set; } = 0;

    /// <summary>Gradient clipping by value: each element to [-v, v], before any norm clipping; 0 turns it off.</summary>
    [Description("Gradient clipping by value: each element to [-v, v], before any norm clipping; 0 turns it off")]
    public double ClipGradValue { get; set; } = 0;

    /// <summary>Pick next actions with the online network (Double DQN).</summary>
    [Description("Pick next actions with the online network (Double DQN)")]
    public bool DoubleDqn { get; set; } = false;

    /// <summary>Steps of the n-step return: the target sums n discounted rewards and bootstraps with gamma^n (fewer steps, and gamma^k, where the episode ended first; no bootstrap after a termination); 1 is DQN's one-step target.</summary>
    [Description("Steps of the n-step return: the target sums n discounted rewards and bootstraps with gamma^n (fewer steps, and gamma^k, where the episode ended first; no bootstrap after a termination); 1 is DQN's one-step target")]
    public int NStep { get; set; } = 1;

    /// <summary>Draw transitions by priority (proportional prioritized replay, Schaul et al. 2016) instead of uniformly.</summary>
    [Description("Draw transitions by priority (proportional prioritized replay, Schaul et al. 2016) instead of uniformly")]
    public bool PrioritizedReplay { get; set; } = false;

    /// <summary>Prioritized replay: priority = (abs(TD error) + per_epsilon)^per_alpha; 0 is uniform (the paper: 0.6; Rainbow: 0.5).</summary>
    [Description("Prioritized replay: priority = (abs(TD error) + per_epsilon)^per_alpha; 0 is uniform (the paper: 0.6; Rainbow: 0.5)")]
    public double PerAlpha { get; set; } = 0.6;

    /// <summary>Prioritized replay: importance-sampling exponent at the first step, annealed linearly to 1 at total_timesteps (the paper: 0.4).</summary>
    [Description("Prioritized replay: importance-sampling exponent at the first step, annealed linearly to 1 at total_timesteps (the paper: 0.4)")]
    public double PerBetaStart { get; set; } = 0.4;

    /// <summary>Prioritized replay: added to abs(TD error) so no transition's priority is 0.</summary>
    [Description("Prioritized replay: added to abs(TD error) so no transition's priority is 0")]
    public double PerEpsilon { get; set; } = 1e-6;

    /// <summary>mlp or nature_cnn.</summary>
    [Description("mlp or nature_cnn")]
    public NetworkKind Network { get; set; } = NetworkKind.Mlp;

    /// <summary>Hidden layer widths of the MLP, e.g. [120,84].</summary>
    [Description("Hidden layer widths of the MLP, e.g. [120,84]")]
    public int[] HiddenSizes { get; set; } = [120, 84];

    /// <summary>cpu, cuda (needs a CUDA build of TorchSharp) or auto (cuda when available, else cpu).</summary>
    [Description("cpu, cuda (needs a CUDA build of TorchSharp) or auto (cuda when available, else cpu)")]
    public DeviceChoice Device { get; set; } = DeviceChoice.Cpu;

    /// <summary>DQN update: reference (TorchSharp ops, autograd, torch.optim; any device), fused (CPU fast path: managed TD target and flat optimizer) or auto (fused on the CPU for an MLP or the plain Nature CNN).</summary>
    [Description("DQN update: reference (TorchSharp ops, autograd, torch.optim; any device), fused (CPU fast path: managed TD target and flat optimizer) or auto (fused on the CPU for an MLP or the plain Nature CNN)")]
    public UpdatePath UpdatePath { get; set; } = UpdatePath.Auto;

    // Rainbow's network and loss components (each off by default: plain DQN)
    /// <summary>Return distribution: none (DQN's expected value) or c51 (categorical over n_atoms fixed atoms from v_min to v_max, cross-entropy to the projected target; Bellemare et al. 2017).</summary>
    [Description("Return distribution: none (DQN's expected value) or c51 (categorical over n_atoms fixed atoms from v_min to v_max, cross-entropy to the projected target; Bellemare et al. 2017)")]
    public Distributional Distributional { get; set; } = Distributional.None;

    /// <summary>Atoms of the c51 support (the paper: 51; CleanRL's c51.py: 101).</summary>
    [Description("Atoms of the c51 support (the paper: 51; CleanRL's c51.py: 101)")]
    public int NAtoms { get; set; } = 51;

    /// <summary>Lowest atom of the c51 support, the smallest return it can represent (the paper: -10; CleanRL's c51.py: -100).</summary>
    [Description("Lowest atom of the c51 support, the smallest return it can represent (the paper: -10; CleanRL's c51.py: -100)")]
    public double VMin { get; set; } = -10;

    /// <summary>Highest atom of the c51 support (the paper: 10; CleanRL's c51.py: 100).</summary>
    [Description("Highest atom of the c51 support (the paper: 10; CleanRL's c51.py: 100)")]
    public double VMax { get; set; } = 10;

    /// <summary>Dueling head: a value stream and an advantage stream after the shared layers, Q = V + A - mean_a A (per atom with c51; Wang et al. 2016).</summary>
    [Description("Dueling head: a value stream and an advantage stream after the shared layers, Q = V + A - mean_a A (per atom with c51; Wang et al. 2016)")]
    public bool Dueling { get; set; } = false;

    /// <summary>Noisy nets: every fully connected layer becomes a factorised Gaussian noisy layer and replaces epsilon-greedy (epsilon is 0); fresh noise for every action and every update, none in evaluation (Fortunato et al. 2018).</summary>
    [Description("Noisy nets: every fully connected layer becomes a factorised Gaussian noisy layer and replaces epsilon-greedy (epsilon is 0); fresh noise for every action and every update, none in evaluation (Fortunato et al. 2018)")]
    public bool Noisy { get; set; } = false;

    /// <summary>Initial noise scale of the noisy layers: sigma starts at sigma0 / sqrt(inputs) (the paper: 0.5).</summary>
    [Description("Initial noise scale of the noisy layers: sigma starts at sigma0 / sqrt(inputs) (the paper: 0.5)")]
    public double Sigma0 { get; set; } = 0.5;

    /// <summary>Adam's epsilon (PyTorch's default 1e-8; CleanRL's c51.py: 0.01 / batch_size; Rainbow: 1.5e-4).</summary>
    [Description("Adam's epsilon (PyTorch's default 1e-8; CleanRL's c51.py: 0.01 / batch_size; Rainbow: 1.5e-4)")]
    public double AdamEpsilon { get; set; } = DefaultAdamEpsilon;

    /// <summary>PyTorch's Adam epsilon, the one the fused path's optimizer uses.</summary>
    public const double DefaultAdamEpsilon = 1e-8;

    /// <summary>Whether any of Rainbow's network or loss components (c51, dueling, noisy) is on.</summary>
    public bool HasRainbowComponents => Distributional != Distributional.None || Dueling || Noisy;

    // Output and bookkeeping
    /// <summary>Folder that receives runs/&lt;run-name&gt;/.</summary>
    [Description("Folder that receives runs/<run-name>/")]
    public string RunsDir { get; set; } = "runs";

    /// <summary>Steps between checkpoints; 0 writes one only at the end and on Ctrl+C.</summary>
    [Description("Steps between checkpoints; 0 writes one only at the end and on Ctrl+C")]
    public long CheckpointFrequency { get; set; } = 100_000;

    /// <summary>Write TensorBoard event files.</summary>
    [Description("Write TensorBoard event files")]
    public bool Tensorboard { get; set; } = true;

    /// <summary><see cref="TorchThreads"/>'s value for "auto", as a config file writes it.</summary>
    public const int AutoTorchThreads = 0;

    /// <summary>libtorch intra-op threads for training and evaluation: auto (a CNN gets the cores this process may use, from its affinity mask and cgroup quota; an MLP one) or a count; the same seed and count give the same run.</summary>
    [Description("libtorch intra-op threads for training and evaluation: auto (a CNN gets the cores this process may use, from its affinity mask and cgroup quota; an MLP one) or a count; the same seed and count give the same run")]
    [AutoWhen(AutoTorchThreads)]
    public int TorchThreads { get; set; } = AutoTorchThreads;

    /// <summary>Episodes run by evaluate and by each evaluation during training.</summary>
    [Description("Episodes run by evaluate and by each evaluation during training")]
    public int EvalEpisodes { get; set; } = 10;

    /// <summary>Epsilon during evaluation (CleanRL uses 0.05).</summary>
    [Description("Epsilon during evaluation (CleanRL uses 0.05)")]
    public double EvalEpsilon { get; set; } = 0.05;

    /// <summary>Steps between evaluations during training on a separate environment with training's preprocessing (eval.csv, TensorBoard eval/, eval_curve.png and checkpoints/best after each); 0 turns them off.</summary>
    [Description("Steps between evaluations during training on a separate environment with training's preprocessing (eval.csv, TensorBoard eval/, eval_curve.png and checkpoints/best after each); 0 turns them off")]
    public long EvalFrequency { get; set; } = 0;

    /// <summary>When positive, each evaluation during training plays this many steps (episodes finished within them count) instead of eval_episodes.</summary>
    [Description("When positive, each evaluation during training plays this many steps (episodes finished within them count) instead of eval_episodes")]
    public long EvalSteps { get; set; } = 0;

    /// <summary>The evaluation at step t resets its environment with eval_seed + t (depends on the step alone, so resumed runs evaluate identically).</summary>
    [Description("The evaluation at step t resets its environment with eval_seed + t (depends on the step alone, so resumed runs evaluate identically)")]
    public int EvalSeed { get; set; } = 100_000;

    /// <summary>Allocate the replay buffer even when it needs more memory than the machine has available.</summary>
    [Description("Allocate the replay buffer even when it needs more memory than the machine has available")]
    public bool AllowLargeReplay { get; set; } = false;

    /// <summary>Steps between debug views during training: the stacked observation the network receives as runs/NAME/debug/step-N.png, with the action taken and its Q-values in step-N.json; 0 turns them off.</summary>
    [Description("Steps between debug views during training: the stacked observation the network receives as runs/NAME/debug/step-N.png, with the action taken and its Q-values in step-N.json; 0 turns them off")]
    public long DebugFrequency { get; set; } = 0;

    /// <summary>Training steps between TensorBoard scalars for loss, Q values and gradient norms (CleanRL: 100); charts/SPS comes every log_frequency environment steps from the first one.</summary>
    [Description("Training steps between TensorBoard scalars for loss, Q values and gradient norms (CleanRL: 100); charts/SPS comes every log_frequency environment steps from the first one")]
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
        copy.EnvModules = (string[])EnvModules.Clone();
        return copy;
    }

    /// <summary>More environments than this per process is a typo (or an out-of-memory crash), not a plan.</summary>
    public const int MaxNumEnvs = 1024;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> listing every key (in CleanRL spelling) whose value cannot work
    /// (<see cref="Problems"/>), in the <see cref="InvalidConfigMessage"/> format.
    /// </summary>
    public void Validate() => ValidateFor(resolvedDevice: null);

    /// <summary>As <see cref="Validate"/>, with the rules that depend on the device checked against <paramref name="resolvedDevice"/> (see <see cref="Problems"/>).</summary>
    public void ValidateFor(DeviceType? resolvedDevice)
    {
        var problems = Problems(resolvedDevice);
        if (problems.Count > 0)
        {
            throw new ArgumentException(InvalidConfigMessage(problems));
        }
    }

    /// <summary>The message every "Invalid config" error reads: one line per problem of <see cref="Problems"/>.</summary>
    internal static string InvalidConfigMessage(IEnumerable<string> problems) => "Invalid config:\n  " + string.Join("\n  ", problems);

    /// <summary>
    /// One line per key whose value cannot work (range checks the types alone cannot express); empty when all can.
    /// The only place each rule is written. <paramref name="resolvedDevice"/> is where device = auto turned out to put
    /// the networks (the trainer passes it); without it, rules that depend on the device use the one the config names.
    /// </summary>
    public IReadOnlyList<string> Problems(DeviceType? resolvedDevice = null)
    {
        var problems = new List<string>();
        void Require(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }

        Require(!string.IsNullOrWhiteSpace(EnvId), "env_id must not be empty");
        Require(NumEnvs >= 1, $"num_envs must be at least 1 (it is {NumEnvs})");
        Require(NumEnvs <= MaxNumEnvs, $"num_envs must be at most {MaxNumEnvs} (it is {NumEnvs}); each environment is stepped every step");
        Require(Seed >= 0, $"seed must not be negative (it is {Seed}); Gymnasium and NumPy seeds are non-negative");
        // Seeds derived later must fit a 32-bit int too: a resume that cannot restore the environments resets them with
        // seed + step (+ i), and the evaluation at step t resets with eval_seed + t, up to the last evaluation step.
        Require((long)Seed + TotalTimesteps + NumEnvs - 1 <= int.MaxValue,
            $"seed must be in [0, {Math.Max(0, int.MaxValue - TotalTimesteps - NumEnvs + 1)}] with total_timesteps {TotalTimesteps} and num_envs {NumEnvs} " +
            $"(a resume may reset environment i with seed + step + i, which must fit a 32-bit int); it is {Seed}");
        Require(EvalSeed >= 0, $"eval_seed must not be negative (it is {EvalSeed}); Gymnasium and NumPy seeds are non-negative");
        long lastEvaluationStep = EvalFrequency > 0 ? TotalTimesteps / EvalFrequency * EvalFrequency : 0;
        Require((long)EvalSeed + lastEvaluationStep <= int.MaxValue,
            $"eval_seed must be in [0, {Math.Max(0, int.MaxValue - lastEvaluationStep)}] with eval_frequency {EvalFrequency} and total_timesteps {TotalTimesteps} " +
            $"(the evaluation at step {lastEvaluationStep} resets with eval_seed + {lastEvaluationStep}, which must fit a 32-bit int); it is {EvalSeed}");
        Require(FrameSkip >= 1, $"frame_skip must be at least 1 (it is {FrameSkip})");
        Require(FrameStack >= 1, $"frame_stack must be at least 1 (it is {FrameStack})");
        Require(TotalTimesteps >= 1, $"total_timesteps must be positive (it is {TotalTimesteps})");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learning_rate must be a positive number (it is {LearningRate})");
        Require(BufferSize >= 1, $"buffer_size must be positive (it is {BufferSize})");
        Require(Gamma is >= 0 and <= 1, $"gamma must be in [0, 1] (it is {Gamma})");
        Require(Tau is > 0 and <= 1, $"tau must be in (0, 1], 1 being a hard copy (it is {Tau})");
        Require(TargetNetworkFrequency >= 1, $"target_network_frequency must be at least 1 (it is {TargetNetworkFrequency})");
        Require(BatchSize >= 1, $"batch_size must be positive (it is {BatchSize})");
        Require(BatchSize <= BufferSize, $"batch_size must not exceed buffer_size ({BatchSize} > {BufferSize})");
        Require(StartE is >= 0 and <= 1, $"start_e must be in [0, 1] (it is {StartE})");
        Require(EndE is >= 0 and <= 1, $"end_e must be in [0, 1] (it is {EndE})");
        Require(ExplorationFraction is > 0 and <= 1, $"exploration_fraction must be in (0, 1] (it is {ExplorationFraction})");
        Require(EpsilonDecaySteps > 0, $"epsilon_decay_steps must be positive (it is {EpsilonDecaySteps})");
        Require(LearningStarts >= 0, $"learning_starts must not be negative (it is {LearningStarts})");
        Require(TrainFrequency >= 1, $"train_frequency must be at least 1 (it is {TrainFrequency})");
        Require(MaxGradNorm >= 0, $"max_grad_norm must not be negative, 0 turns clipping off (it is {MaxGradNorm})");
        Require(ClipGradValue >= 0, $"clip_grad_value must not be negative, 0 turns clipping off (it is {ClipGradValue})");
        var device = resolvedDevice ?? Device switch
        {
            DeviceChoice.Cpu => DeviceType.CPU,
            DeviceChoice.Cuda => DeviceType.CUDA,
            _ => (DeviceType?)null, // auto: known once resolved
        };
        string deviceSetting = Device == DeviceChoice.Auto && device is { } resolved
            ? $"device = auto resolving to {resolved.ToString().ToLowerInvariant()}"
            : $"device = {Device.ToString().ToLowerInvariant()}";
        Require(!(UpdatePath == UpdatePath.Fused && device is { } where && where != DeviceType.CPU),
            $"update_path = fused runs on the CPU only; with {deviceSetting} use update_path=reference (or auto)");
        Require(!(UpdatePath == UpdatePath.Fused && DqnUpdates.NotCoveredByFusedPath(this) is { } uncovered),
            $"update_path = fused covers plain DQN only; {DqnUpdates.NotCoveredByFusedPath(this)} needs update_path=reference (or auto, which picks it)");
        Require(NAtoms >= 2, $"n_atoms must be at least 2 (it is {NAtoms})");
        Require(double.IsFinite(VMin) && double.IsFinite(VMax) && VMin < VMax, $"v_min must be below v_max, both finite (they are {VMin} and {VMax})");
        Require(Sigma0 >= 0 && double.IsFinite(Sigma0), $"sigma0 must not be negative (it is {Sigma0})");
        Require(AdamEpsilon > 0 && double.IsFinite(AdamEpsilon), $"adam_epsilon must be a positive number (it is {AdamEpsilon})");
        Require(HiddenSizes.Length >= 1 && HiddenSizes.All(size => size >= 1),
            $"hidden_sizes needs at least one layer, each of size 1 or more (it is [{string.Join(", ", HiddenSizes)}])");
        Require(CheckpointFrequency >= 0, $"checkpoint_frequency must not be negative, 0 writes one at the end only (it is {CheckpointFrequency})");
        Require(TorchThreads >= 1 || TorchThreads == AutoTorchThreads, $"torch_threads must be auto or at least 1 (it is {TorchThreads})");
        problems.AddRange(EvaluationSettings.Of(this).Problems());
        Require(MaxEpisodes >= 0, $"max_episodes must not be negative, 0 turns the limit off (it is {MaxEpisodes})");
        Require(DebugFrequency >= 0, $"debug_frequency must not be negative, 0 turns the debug view off (it is {DebugFrequency})");
        Require(EvalFrequency >= 0, $"eval_frequency must not be negative, 0 turns periodic evaluation off (it is {EvalFrequency})");
        Require(Vectorization != VectorizationMode.Ale || Wrappers == EnvWrappers.Atari,
            "vectorization = ale needs wrappers = atari (ALE's vector environment does the Atari preprocessing itself) and an ALE id");
        Require(NStep is >= 1 and <= Replay.NStepReturns.MaxSteps, $"n_step must be in [1, {Replay.NStepReturns.MaxSteps}] (it is {NStep})");
        // The first gradient step comes after learning_starts + 2 steps: by then every environment has a whole n-step transition.
        Require(LearningStarts + 2 >= NStep,
            $"learning_starts must be at least n_step - 2 = {NStep - 2} with n_step {NStep} (it is {LearningStarts}): the first minibatch needs a transition whose {NStep} steps are taken");
        Require(PerAlpha >= 0 && double.IsFinite(PerAlpha), $"per_alpha must be a number of at least 0, 0 drawing uniformly (it is {PerAlpha})");
        Require(PerBetaStart is >= 0 and <= 1, $"per_beta_start must be in [0, 1] (it is {PerBetaStart})");
        Require(PerEpsilon > 0 && double.IsFinite(PerEpsilon), $"per_epsilon must be a positive number (it is {PerEpsilon})");
        Require(LogFrequency >= 1, $"log_frequency must be at least 1 (it is {LogFrequency})");
        Require(!string.IsNullOrWhiteSpace(RunsDir), "runs_dir must not be empty");
        return problems;
    }
}
