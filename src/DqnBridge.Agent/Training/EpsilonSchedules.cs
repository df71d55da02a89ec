namespace DqnBridge.Agent.Training;

/// <summary>How epsilon decays (the <c>epsilon_schedule</c> key).</summary>
public enum EpsilonSchedule
{
    /// <summary>CleanRL: start_e to end_e linearly over exploration_fraction * total_timesteps, then end_e.</summary>
    Linear,

    /// <summary>end_e + (start_e - end_e) * exp(-t / epsilon_decay_steps), as in the PyTorch DQN tutorial.</summary>
    Exponential,
}

/// <summary>The exploration rate at a global step, for the schedules a config can name.</summary>
public static class EpsilonSchedules
{
    /// <summary>CleanRL's linear_schedule: start_e to end_e over exploration_fraction * total_timesteps steps, then end_e.</summary>
    public static double Linear(double startE, double endE, double duration, long step)
    {
        double slope = (endE - startE) / duration;
        return Math.Max(slope * step + startE, endE);
    }

    /// <summary>end_e + (start_e - end_e) * exp(-step / decaySteps), as the PyTorch DQN tutorial decays it.</summary>
    public static double Exponential(double startE, double endE, double decaySteps, long step) =>
        endE + (startE - endE) * Math.Exp(-step / decaySteps);

    /// <summary>Epsilon at <paramref name="step"/> under the config's schedule.</summary>
    public static double At(DqnConfig config, long step) => config.EpsilonSchedule switch
    {
        EpsilonSchedule.Linear => Linear(config.StartE, config.EndE, config.ExplorationFraction * config.TotalTimesteps, step),
        EpsilonSchedule.Exponential => Exponential(config.StartE, config.EndE, config.EpsilonDecaySteps, step),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.EpsilonSchedule, "unknown epsilon schedule"),
    };
}
