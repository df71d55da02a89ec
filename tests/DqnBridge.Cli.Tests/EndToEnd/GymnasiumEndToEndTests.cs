using System.Globalization;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// The card's Gymnasium environments trained briefly through the bridge by the real binary, with the Python the
/// suite embeds (DQNBRIDGE_PYTHON): outputs present and sane, and nothing printed but dqnbridge's own lines.
/// A few hundred steps each with a few dozen updates, so the Nature CNN trains on the pixel ones.
/// </summary>
[TestClass]
public sealed class GymnasiumEndToEndTests : TempRunsFolderTestBase
{
    [TestMethod]
    public void LunarLanderTrainsThroughTheBridge()
    {
        TestPython.RequireGymnasium(TestPython.Imports(TestPython.Embedded, "gymnasium", "Box2D"), "gymnasium with Box2D");

        string run = Train("LunarLander-v3", "total_timesteps=1500", "learning_starts=200", "buffer_size=1500", "batch_size=32",
            "train_frequency=4", "target_network_frequency=100");

        var episodes = CheckOutputs(run, "LunarLander-v3", totalTimesteps: 1500);
        Assert.IsGreaterThanOrEqualTo(3, episodes.Count, "a random lander lands or crashes within a few hundred steps");
    }

    [TestMethod]
    public void CarRacingTrainsWithItsWrappersAndDiscreteActions()
    {
        TestPython.RequireGymnasium(TestPython.Imports(TestPython.Embedded, "gymnasium", "Box2D"), "gymnasium with Box2D");

        string run = Train("CarRacing-v3", "total_timesteps=100", "learning_starts=40", "buffer_size=200", "batch_size=8",
            "train_frequency=4", "target_network_frequency=50");

        CheckOutputs(run, "CarRacing-v3", totalTimesteps: 100);
        var config = ConfigLoader.Resolve(Path.Combine(run, TrainingRun.ConfigFile), []);
        Assert.AreEqual(EnvWrappers.CarRacing, config.Wrappers);
        Assert.IsFalse(Convert.ToBoolean(config.EnvKwargs["continuous"], CultureInfo.InvariantCulture), "discrete actions");
        Assert.AreEqual(NetworkKind.NatureCnn, config.Network);
    }

    [TestMethod]
    public void TetrisTrainsWithTheAtariWrappers()
    {
        bool tetris = TestPython.Imports(TestPython.Embedded, "gymnasium", "ale_py", "cv2")
            && TestPython.Runs(TestPython.Embedded,
                "import os, ale_py.roms as r; raise SystemExit(not os.path.isfile(os.path.join(os.environ.get('ALE_ROMS_DIR') or os.path.dirname(r.__file__), 'tetris.bin')))");
        TestPython.RequireGymnasium(tetris, "gymnasium with ale-py, its Tetris ROM and OpenCV");

        string run = Train("ALE/Tetris-v5", "total_timesteps=240", "learning_starts=60", "buffer_size=500", "batch_size=8",
            "train_frequency=4", "target_network_frequency=100");

        CheckOutputs(run, "ALE/Tetris-v5", totalTimesteps: 240);
        var config = ConfigLoader.Resolve(Path.Combine(run, TrainingRun.ConfigFile), []);
        Assert.AreEqual(EnvWrappers.Atari, config.Wrappers);
        Assert.AreEqual(NetworkKind.NatureCnn, config.Network);
    }

    /// <summary>Trains <paramref name="envId"/> with its family's defaults and <paramref name="overrides"/>; returns the run folder.</summary>
    private string Train(string envId, params string[] overrides)
    {
        // The interpreter comes from DQNBRIDGE_PYTHON (as set for the suite), so config.yaml must record it.
        var run = CliProcess.Run(CliProcess.WithSuitePython, ["--env", envId, .. overrides, RunsDir, "--run-name", "e2e"]);

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.All, $"{envId}: Gymnasium from");
        StringAssert.Contains(run.Output, "Training finished.");
        CollectionAssert.AreEqual(Array.Empty<string>(), run.ForeignLines().ToArray(),
            "only dqnbridge's own lines are printed:\n" + run.All);
        return Path.Combine(Runs, "e2e");
    }

    private static List<EpisodeRecord> CheckOutputs(string run, string envId, long totalTimesteps)
    {
        var config = ConfigLoader.Resolve(Path.Combine(run, TrainingRun.ConfigFile), []);
        Assert.AreEqual(envId, config.EnvId);
        Assert.AreEqual(totalTimesteps, config.TotalTimesteps);
        Assert.IsTrue(Path.IsPathRooted(config.Python) && File.Exists(config.Python),
            $"config.yaml names the interpreter DQNBRIDGE_PYTHON chose by its absolute path (got '{config.Python}')");

        string header = File.ReadLines(Path.Combine(run, TrainingRun.EpisodesFile)).First();
        StringAssert.StartsWith(header, "global_step,");
        var episodes = TrainingRun.ReadEpisodes(Path.Combine(run, TrainingRun.EpisodesFile));
        foreach (var episode in episodes)
        {
            Assert.IsTrue(double.IsFinite(episode.Return), $"return {episode.Return}");
            Assert.IsGreaterThan(0, episode.Length);
            Assert.IsTrue(episode.GlobalStep > 0 && episode.GlobalStep <= totalTimesteps, $"step {episode.GlobalStep}");
        }
        CollectionAssert.AreEqual(episodes.Select(e => e.GlobalStep).Order().ToList(), episodes.Select(e => e.GlobalStep).ToList(), "rows in step order");

        string checkpoint = Path.Combine(run, "checkpoints", "latest");
        Assert.IsTrue(File.Exists(Path.Combine(checkpoint, Checkpoint.ManifestFile)), "the final checkpoint is complete");
        var loaded = Checkpoint.Load(checkpoint);
        Assert.AreEqual(envId, loaded.Config.EnvId);
        Assert.AreEqual(config.Python, loaded.Config.Python, "the checkpoint's config names the same interpreter");
        return episodes;
    }
}
