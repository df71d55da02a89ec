using DqnBridge.Envs;

namespace DqnBridge.Agent.Checkpoints;

/// <summary>Counters, RNG states and shapes a trainer needs to continue where it stopped.</summary>
public sealed class TrainerState
{
    /// <summary>The global step training continues at.</summary>
    public long NextStep { get; set; }
    /// <summary>Episodes completed so far.</summary>
    public long Episodes { get; set; }
    /// <summary>Gradient steps taken so far.</summary>
    public long TrainSteps { get; set; }
    /// <summary>Training wall time so far, in seconds.</summary>
    public double WallTimeSeconds { get; set; }
    /// <summary>State of the replay sampler's random generator.</summary>
    public ulong[] ReplayRandomState { get; set; } = [];
    /// <summary>State of the exploration random generator.</summary>
    public ulong[] ExplorationState { get; set; } = [];
    /// <summary>State of the noisy layers' noise generator (empty without noisy nets).</summary>
    public ulong[] NoiseRandomState { get; set; } = [];
    /// <summary>State of TorchSharp's random generator.</summary>
    public byte[] TorchRngState { get; set; } = [];
    /// <summary>The vector environment's observations at the checkpoint.</summary>
    public byte[] CurrentObservations { get; set; } = [];
    /// <summary>Whether the environments' state was saved beside it.</summary>
    public bool HasEnvState { get; set; }
    /// <summary>Returns of the most recent episodes (for the last-100 mean).</summary>
    public double[] RecentReturns { get; set; } = [];
    /// <summary>The environment id the trainer was made for.</summary>
    public string EnvId { get; set; } = "";
    /// <summary>How many environments the vector environment held.</summary>
    public int NumEnvs { get; set; }
    /// <summary>Shape of one observation.</summary>
    public int[] ObservationShape { get; set; } = [];
    /// <summary>Element type of the observations.</summary>
    public ElementType ObservationType { get; set; }
    /// <summary>Number of discrete actions.</summary>
    public int ActionCount { get; set; }
}
