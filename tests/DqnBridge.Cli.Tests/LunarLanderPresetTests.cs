using DqnBridge.Agent;
using DqnBridge.Cli.Config;

namespace DqnBridge.Cli.Tests;

[TestClass]
public sealed class LunarLanderPresetTests
{
    private static string Preset() => PresetTests.Preset("lunarlander.yaml");

    /// <summary>The settings the README's measured LunarLander result was trained with.</summary>
    [TestMethod]
    public void ResolvesToTheStatedSettings()
    {
        DqnConfig config = ConfigLoader.Resolve(Preset(), []);

        Assert.AreEqual("LunarLander-v3", config.EnvId);
        Assert.AreEqual(1, config.Seed);
        Assert.AreEqual(1, config.NumEnvs);
        Assert.AreEqual(300_000L, config.TotalTimesteps);
        Assert.AreEqual(6.3e-4, config.LearningRate);
        Assert.AreEqual(128, config.BatchSize);
        Assert.AreEqual(50_000, config.BufferSize);
        Assert.AreEqual(0L, config.LearningStarts);
        Assert.AreEqual(250, config.TargetNetworkFrequency);
        Assert.AreEqual(4, config.TrainFrequency);
        Assert.AreEqual(0.12, config.ExplorationFraction);
        Assert.AreEqual(1.0, config.StartE);
        Assert.AreEqual(0.1, config.EndE);
        Assert.AreEqual(0.99, config.Gamma);
        Assert.AreEqual(1.0, config.Tau);
        Assert.AreEqual(LossKind.Mse, config.Loss);
        Assert.AreEqual(OptimizerKind.Adam, config.Optimizer);
        Assert.AreEqual(NetworkKind.Mlp, config.Network);
        CollectionAssert.AreEqual(new[] { 256, 256 }, config.HiddenSizes);
        Assert.AreEqual(EpsilonSchedule.Linear, config.EpsilonSchedule);
        Assert.AreEqual(0.0, config.MaxGradNorm);
        Assert.IsFalse(config.DoubleDqn);
        Assert.AreEqual("", config.Python, "the preset names no interpreter");
    }
}
