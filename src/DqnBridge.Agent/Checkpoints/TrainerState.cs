using DqnBridge.Envs;

namespace DqnBridge.Agent.Checkpoints;

/// <summary>Counters, RNG states and shapes a trainer needs to continue where it stopped.</summary>
public sealed class TrainerState
{
    public long NextStep { get; set; }
    public long Episodes { get; set; }
    public long TrainSteps { get; set; }
    public double WallTimeSeconds { get; set; }
    public ulong[] ReplayRandomState { get; set; } = [];
    public ulong[] ExplorationState { get; set; } = [];
    public byte[] TorchRngState { get; set; } = [];
    public byte[] CurrentObservations { get; set; } = [];
    public bool HasEnvState { get; set; }
    public double[] RecentReturns { get; set; } = [];
    public string EnvId { get; set; } = "";
    public int NumEnvs { get; set; }
    public int[] ObservationShape { get; set; } = [];
    public ElementType ObservationType { get; set; }
    public int ActionCount { get; set; }
}
