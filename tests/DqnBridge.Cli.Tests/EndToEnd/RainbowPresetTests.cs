using System.Globalization;
using System.Text;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// configs/rainbow-classic-control.yaml (C51, dueling heads, noisy nets, 3-step returns, prioritized replay and
/// Double DQN together) through every command a user runs on it: train with TensorBoard, evaluate with a video, benchmark.
/// </summary>
[TestClass]
public sealed class RainbowPresetTests : TempRunsFolderTestBase
{
    /// <summary>The preset, shortened for the corridor: learning from step 300, an update every 10 steps, logged every 20.</summary>
    private string[] ShortRainbow =>
    [
        "-c", PresetTests.Preset("rainbow-classic-control.yaml"), "total_timesteps=1500", "learning_starts=300",
        "buffer_size=2000", "target_network_frequency=100", "hidden_sizes=[32]", "log_frequency=20", RunsDir,
    ];

    [TestMethod]
    public void TheRainbowPresetTrainsLogsEvaluatesRecordsAndBenchmarks()
    {
        var train = CliRun.Invoke(Corridor.Backend(), ["--env", "Corridor-v0", .. ShortRainbow, "--run-name", "rainbow"]);
        Assert.AreEqual(ExitCodes.Ok, train.ExitCode, train.All);
        StringAssert.Contains(train.Output, "update_path = auto: the reference update path runs");
        string run = Path.Combine(Runs, "rainbow");

        // TensorBoard: the loss and Q-values, prioritized replay's priorities and beta, each noisy layer's noise scale.
        string events = Encoding.ASCII.GetString(File.ReadAllBytes(Directory.GetFiles(Path.Combine(run, "tensorboard"), "events.out.tfevents*").Single()));
        foreach (var tag in new[] { "losses/td_loss", "losses/q_values", "replay/beta", "replay/mean_priority", "replay/max_priority", "charts/episodic_return" })
        {
            StringAssert.Contains(events, tag, $"TensorBoard has no '{tag}'");
        }
        StringAssert.Matches(events, new System.Text.RegularExpressions.Regex(@"noise/[\w.]+\.weight_sigma"), "TensorBoard has no noise scale");

        // evaluate loads the dueling, noisy C51 network and plays greedily with its mean weights, no noise: on the
        // deterministic corridor every episode is the same one.
        var evaluation = CliRun.Invoke(Corridor.Backend(), "evaluate", run, "-n", "3", "--epsilon", "0");
        Assert.AreEqual(ExitCodes.Ok, evaluation.ExitCode, evaluation.All);
        var returns = File.ReadAllLines(Path.Combine(run, "eval_returns.csv")).Skip(1)
            .Select(line => double.Parse(line.Split(',')[1], CultureInfo.InvariantCulture)).ToList();
        Assert.HasCount(3, returns);
        Assert.IsTrue(returns.All(r => r is >= -0.3 - 1e-9 and <= 1), string.Join(", ", returns));
        Assert.HasCount(1, returns.Distinct(), $"noise-free greedy episodes differ: {string.Join(", ", returns)}");

        if (Output.VideoWriter.FfmpegAvailable())
        {
            string video = Path.Combine(Runs, "rainbow.gif");
            var recorded = CliRun.Invoke(Corridor.Backend(), "evaluate", run, "-n", "1", "--video", video);
            Assert.AreEqual(ExitCodes.Ok, recorded.ExitCode, recorded.All);
            CollectionAssert.AreEqual("GIF8"u8.ToArray(), File.ReadAllBytes(video)[..4]);
        }

        // benchmark: one cell per seed; seed 1's cell is the very run trained above.
        string bench = Path.Combine(Runs, "bench");
        var benchmark = CliRun.Invoke(Corridor.Backend(), ["benchmark", "--envs", "Corridor-v0", "--seeds", "1", "2", "-o", bench, .. ShortRainbow]);
        Assert.AreEqual(ExitCodes.Ok, benchmark.ExitCode, benchmark.All);
        var results = File.ReadAllLines(Path.Combine(bench, "results.csv"));
        Assert.HasCount(3, results, "a header and one row per seed");
        StringAssert.StartsWith(results[1], "Corridor-v0,1,1500,");
        StringAssert.StartsWith(results[2], "Corridor-v0,2,1500,");
        Assert.IsTrue(File.Exists(Path.Combine(bench, "results.png")));
        CollectionAssert.AreEqual(EpisodesWithoutWallTime(Path.Combine(run, "episodes.csv")),
            EpisodesWithoutWallTime(Path.Combine(bench, "Corridor-v0__seed_1", "run", "episodes.csv")), "the benchmark's seed 1 is the train run");
    }
}
