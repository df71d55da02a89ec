using DqnBridge.Agent;
using DqnBridge.Cli.Config;
using DqnBridge.Envs;

namespace DqnBridge.Cli.Tests;

[TestClass]
public sealed class PresetTests
{
    private static string Preset(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var path = Path.Combine(directory.FullName, "configs", name);
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException($"configs/{name} not found above {AppContext.BaseDirectory}");
    }

    [TestMethod]
    public void EveryPresetLoadsAndValidates()
    {
        var folder = Path.GetDirectoryName(Preset("cleanrl-classic-control.yaml"))!;
        var presets = Directory.GetFiles(folder, "*.yaml");

        Assert.IsGreaterThanOrEqualTo(5, presets.Length);
        foreach (var preset in presets)
            ConfigLoader.Resolve(preset, []);
    }

    [TestMethod]
    public void ClassicControlPresetIsExactlyCleanRlDefaults()
    {
        var config = ConfigLoader.Resolve(Preset("cleanrl-classic-control.yaml"), []);

        Assert.AreEqual(ConfigLoader.ToYaml(new DqnConfig()), ConfigLoader.ToYaml(config));
    }

    [TestMethod]
    public void AtariPresetMatchesTheAtariFamilyDefaults()
    {
        var config = ConfigLoader.Resolve(Preset("cleanrl-atari.yaml"), []);
        var family = EnvFamilies.CleanRlAtari(config.EnvId);
        family.ExpName = config.ExpName;

        Assert.AreEqual(ConfigLoader.ToYaml(family), ConfigLoader.ToYaml(config));
    }

    [TestMethod]
    public void NotebookPresetHasTheNotebookSettings()
    {
        var c = ConfigLoader.Resolve(Preset("cartpole-v0-notebook.yaml"), []);

        Assert.AreEqual("CartPole-v0", c.EnvId);
        CollectionAssert.AreEqual(new[] { 128, 128 }, c.HiddenSizes);
        Assert.AreEqual(OptimizerKind.Adam, c.Optimizer);
        Assert.AreEqual(1e-3, c.LearningRate);
        Assert.AreEqual(10_000, c.BufferSize);
        Assert.AreEqual(128, c.BatchSize);
        Assert.AreEqual(120, c.TargetNetworkFrequency);
        Assert.AreEqual(EpsilonSchedule.Exponential, c.EpsilonSchedule);
        // epsilon = 0.05 + 0.85 exp(-t / 1000)
        Assert.AreEqual(0.05, c.EndE);
        Assert.AreEqual(0.85, c.StartE - c.EndE, 1e-12);
        Assert.AreEqual(1000, c.EpsilonDecaySteps);
    }

    [TestMethod]
    public void CarRacingPresetHasTheDiscreteSettings()
    {
        var c = ConfigLoader.Resolve(Preset("carracing-discrete.yaml"), []);

        Assert.AreEqual(EnvWrappers.CarRacing, c.Wrappers);
        Assert.IsFalse((bool)c.EnvKwargs["continuous"]);
        Assert.AreEqual(4, c.FrameSkip);
        Assert.AreEqual(4, c.FrameStack);
        Assert.AreEqual(OptimizerKind.RMSprop, c.Optimizer);
        Assert.AreEqual(2.5e-4, c.LearningRate);
        Assert.AreEqual(5000L, c.LearningStarts);
        Assert.AreEqual(10_000, c.TargetNetworkFrequency);
        Assert.AreEqual(1.0, c.StartE);
        Assert.AreEqual(0.1, c.EndE);
        Assert.AreEqual(1e6, c.ExplorationFraction * c.TotalTimesteps);
    }

    [TestMethod]
    public void SpaceInvadersPresetHasItsSettings()
    {
        var c = ConfigLoader.Resolve(Preset("space-invaders.yaml"), []);

        StringAssert.Contains(c.EnvId, "SpaceInvaders");
        Assert.AreEqual(16, c.NumEnvs);
        Assert.AreEqual(OptimizerKind.AdamW, c.Optimizer);
        Assert.AreEqual(1e-3, c.LearningRate);
        Assert.AreEqual(300_000, c.BufferSize);
        Assert.AreEqual(20_000L, c.LearningStarts);
        Assert.AreEqual(EnvWrappers.Atari, c.Wrappers);
    }
}
