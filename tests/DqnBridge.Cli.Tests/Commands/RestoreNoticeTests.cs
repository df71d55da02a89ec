using DqnBridge.Cli.Commands;
using DqnBridge.Envs;

namespace DqnBridge.Cli.Tests;

/// <summary>`resume` says before it starts when restoring the environments means replaying the whole run (no Gymnasium needed).</summary>
[TestClass]
public sealed class RestoreNoticeTests
{
    private string _runs = "";

    [TestInitialize]
    public void MakeRunsFolder() => _runs = Directory.CreateTempSubdirectory("dqnbridge-notice-").FullName;

    [TestCleanup]
    public void RemoveRunsFolder() => Directory.Delete(_runs, recursive: true);

    /// <param name="onStep">Called after every step of the training environments (to stop a run part way).</param>
    private static AgentBackend Backend(Action? onStep = null) => new(
        spec => new ReplayingCorridors(spec.NumEnvs, onStep ?? (() => { })),
        spec => new CorridorEnv(),
        _ => [new BackendStatus("test", true, "corridor only")],
        _ => [new EnvironmentListing("Corridor-v0", "test", "Discrete(2)", "")]);

    [TestMethod]
    public void ResumeNamesAFullReplayAndItsLengthBeforeItStarts()
    {
        string[] settings = ["--env", "Corridor-v0", "learning_starts=100", "buffer_size=500", "batch_size=16", "hidden_sizes=[8]", $"runs_dir={_runs}", "--run-name", "corridor"];
        // Stopped (as by Ctrl+C) after 300 of 1000 steps: a finished run would not be resumed.
        using var stop = new CancellationTokenSource();
        int steps = 0;
        var first = CliRun.Invoke(Backend(() => { if (++steps == 300) { stop.Cancel(); } }), stop.Token, [.. settings, "total_timesteps=1000"]);
        Assert.AreEqual(ExitCodes.Cancelled, first.ExitCode, first.All);
        string run = Path.Combine(_runs, "corridor");
        long stoppedAt = Checkpoint.Load(Path.Combine(run, "checkpoints", "latest")).State.NextStep;

        var resumed = CliRun.Invoke(Backend(), "resume", run);

        Assert.AreEqual(ExitCodes.Ok, resumed.ExitCode, resumed.All);
        StringAssert.Contains(resumed.All, $"Corridor-v0: restoring replays all {stoppedAt} steps");
        Assert.IsLessThan(resumed.All.IndexOf("Training finished.", StringComparison.Ordinal),
            resumed.All.IndexOf("restoring replays all", StringComparison.Ordinal), "said before training goes on");
    }

    /// <summary>Corridors restored as the Gymnasium backend's full replay does: every action since the reset, replayed.</summary>
    private sealed class ReplayingCorridors(int numEnvs, Action onStep) : IVectorEnv, IRestorableVectorEnv
    {
        private CorridorVectorEnv _envs = new(numEnvs);
        private readonly List<int> _actions = [];
        private int _seed;

        public string Id => _envs.Id;
        public int NumEnvs => _envs.NumEnvs;
        public BoxSpace SingleObservationSpace => _envs.SingleObservationSpace;
        public DiscreteSpace SingleActionSpace => _envs.SingleActionSpace;
        public ReadOnlySpan<byte> Observations => _envs.Observations;
        public ReadOnlySpan<byte> FinalObservations => _envs.FinalObservations;
        public ReadOnlySpan<float> Rewards => _envs.Rewards;
        public ReadOnlySpan<bool> Terminated => _envs.Terminated;
        public ReadOnlySpan<bool> Truncated => _envs.Truncated;
        public IReadOnlyList<CompletedEpisode> CompletedEpisodes => _envs.CompletedEpisodes;
        public RgbFrame Render(int index = 0) => _envs.Render(index);

        public void Reset(int seed)
        {
            (_seed, _envs) = (seed, new CorridorVectorEnv(NumEnvs));
            _envs.Reset(seed);
            _actions.Clear();
        }

        public void Step(ReadOnlySpan<int> actions)
        {
            _envs.Step(actions);
            _actions.AddRange(actions);
            onStep();
        }

        public byte[] SaveState() => [.. BitConverter.GetBytes(_seed), .. _actions.Select(a => (byte)a)];

        public void RestoreState(byte[] state)
        {
            Reset(BitConverter.ToInt32(state));
            foreach (int[] row in state.Skip(4).Select(a => (int)a).Chunk(NumEnvs))
            {
                Step(row);
            }
        }

        public string? RestoreNotice(byte[] state) => $"{Id}: restoring replays all {(state.Length - 4) / NumEnvs} steps since the first reset.";

        public void Dispose() => _envs.Dispose();
    }
}
