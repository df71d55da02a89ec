using DqnBridge.Agent.Training;

namespace DqnBridge.Agent.Tests.Training;

[TestClass]
public sealed class EpsilonScheduleTests
{
    [TestMethod]
    public void LinearEpsilonFollowsCleanRl()
    {
        var config = new DqnConfig { StartE = 1, EndE = 0.05, ExplorationFraction = 0.5, TotalTimesteps = 1000 };
        Assert.AreEqual(1.0, EpsilonSchedules.At(config, 0), 1e-12);
        Assert.AreEqual(1.0 - 0.95 * 250 / 500, EpsilonSchedules.At(config, 250), 1e-12);
        Assert.AreEqual(0.05, EpsilonSchedules.At(config, 500), 1e-12);
        Assert.AreEqual(0.05, EpsilonSchedules.At(config, 999), 1e-12);
    }

    [TestMethod]
    public void ExponentialEpsilonDecaysTowardsEndE()
    {
        var config = new DqnConfig { StartE = 0.9, EndE = 0.05, EpsilonSchedule = EpsilonSchedule.Exponential, EpsilonDecaySteps = 1000 };
        Assert.AreEqual(0.9, EpsilonSchedules.At(config, 0), 1e-12);
        Assert.AreEqual(0.05 + 0.85 * Math.Exp(-1), EpsilonSchedules.At(config, 1000), 1e-12);
        Assert.IsLessThan(0.0501, EpsilonSchedules.At(config, 20_000));
    }
}
