using System.Buffers.Binary;
using DqnBridge.Envs.GymnasiumBackend;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

/// <summary>
/// What a Gymnasium vector env's saved state holds and what restoring it costs: the current game of each env where
/// Gymnasium allows it (sync vectorization), every step since the first reset otherwise, and old states still read.
/// </summary>
[TestClass]
public sealed class GymnasiumRestoreTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(TestPython.Embedded);

    private static void RequireGymnasium() => TestPython.RequireGymnasium(GymnasiumRuntime.IsAvailable());

    private static int[] RandomActions(IVectorEnv envs, SeededRandom sampler) =>
        [.. Enumerable.Range(0, envs.NumEnvs).Select(_ => envs.SingleActionSpace.Start + sampler.Next(envs.SingleActionSpace.N))];

    /// <summary>Steps <paramref name="envs"/> with actions from <paramref name="sampler"/>; returns the episodes that ended.</summary>
    private static int StepRandomly(IVectorEnv envs, SeededRandom sampler, int steps, List<int[]>? taken = null)
    {
        int episodes = 0;
        for (int t = 0; t < steps; t++)
        {
            int[] actions = RandomActions(envs, sampler);
            envs.Step(actions);
            taken?.Add(actions);
            episodes += envs.CompletedEpisodes.Count;
        }
        return episodes;
    }

    /// <summary>Steps both alike and asserts they stay alike; returns the episodes that ended.</summary>
    private static int AssertStepOnAlike(IVectorEnv original, IVectorEnv restored, SeededRandom sampler, int steps)
    {
        CollectionAssert.AreEqual(original.Observations.ToArray(), restored.Observations.ToArray(), "observations right after the restore");
        int episodes = 0;
        for (int t = 0; t < steps; t++)
        {
            int[] actions = RandomActions(original, sampler);
            original.Step(actions);
            restored.Step(actions);
            CollectionAssert.AreEqual(original.Observations.ToArray(), restored.Observations.ToArray(), $"observations {t} steps after the restore");
            CollectionAssert.AreEqual(original.Rewards.ToArray(), restored.Rewards.ToArray(), $"rewards {t} steps after the restore");
            CollectionAssert.AreEqual(original.CompletedEpisodes.ToArray(), restored.CompletedEpisodes.ToArray(), $"episodes {t} steps after the restore");
            episodes += original.CompletedEpisodes.Count;
        }
        return episodes;
    }

    /// <summary>The vector env, or an inconclusive test when this Python cannot make it (<paramref name="needs"/> says why).</summary>
    private static GymnasiumVectorEnv MakeOrInconclusive(EnvSpec spec, string needs, string vectorizationMode = "sync")
    {
        try
        {
            return new GymnasiumVectorEnv(spec, vectorizationMode: vectorizationMode);
        }
        catch (EnvCreationException e)
        {
            Assert.Inconclusive($"{spec.Id} cannot be made here ({needs}): {e.Message}");
            throw;
        }
    }

    [TestMethod]
    public void SavedStateDoesNotGrowWithCompletedEpisodes()
    {
        RequireGymnasium();
        var spec = new EnvSpec("CartPole-v1", NumEnvs: 2);
        using var envs = new GymnasiumVectorEnv(spec);
        Assert.IsNull(envs.FullReplayReason, "sync CartPole restores episode by episode");
        var sampler = new SeededRandom(3);
        envs.Reset(seed: 9);
        int early = StepRandomly(envs, sampler, 1_000);
        int earlySize = envs.SaveState().Length;
        int late = early + StepRandomly(envs, sampler, 30_000);
        byte[] lateState = envs.SaveState();

        Assert.IsGreaterThan(early + 1000, late, "many more episodes ended before the second save");
        // Fixed parts (header, the episode starts as JSON, the observations) plus at most one 500-step episode per env.
        int bound = 2 * 500 + 4096;
        Assert.IsLessThan(bound, earlySize);
        Assert.IsLessThan(bound, lateState.Length, "31,000 steps later the state still holds only the current episodes");

        using var restored = new GymnasiumVectorEnv(spec);
        Assert.IsNull(restored.RestoreNotice(lateState), "no long replay to announce");
        restored.RestoreState(lateState);
        AssertStepOnAlike(envs, restored, sampler, 2_000);
        CollectionAssert.AreEqual(envs.SaveState(), restored.SaveState(), "the restored envs record the same episode starts");
    }

    [TestMethod]
    public void LunarLanderRestoredAfterManyEpisodesStepsOnAlike()
    {
        RequireGymnasium();
        var spec = new EnvSpec("LunarLander-v3", NumEnvs: 2);
        using var original = MakeOrInconclusive(spec, "Box2D is needed");
        var sampler = new SeededRandom(5);
        original.Reset(seed: 2);
        Assert.IsGreaterThan(10, StepRandomly(original, sampler, 3_000), "episodes ended before the save");
        using var restored = new GymnasiumVectorEnv(spec);
        restored.RestoreState(original.SaveState());
        AssertStepOnAlike(original, restored, sampler, 1_500);
    }

    /// <summary>
    /// The environment layer alone, on pixel envs with stacked wrappers: a copy restored mid-game, after several games
    /// ended (so from ALE's emulator state at its game's start, not from the seed), steps on exactly as the original.
    /// </summary>
    [TestMethod]
    [DataRow("ALE/Tetris-v5", 1500, 400)]
    public void RestoredEnvironmentsStepOnExactlyAsTheOriginal(string envId, int before, int after)
    {
        RequireGymnasium();
        var spec = new EnvSpec(envId, NumEnvs: 2, Backend: EnvBackend.Gymnasium, Wrappers: EnvWrappers.Atari);
        using var original = MakeOrInconclusive(spec, "ale-py and its ROM are needed");
        Assert.IsNull(original.FullReplayReason, "sync vectorization of an ALE id restores game by game");
        var sampler = new SeededRandom(11);
        original.Reset(seed: 4);
        Assert.IsGreaterThan(2, StepRandomly(original, sampler, before), "games ended before the save");
        using var restored = new GymnasiumVectorEnv(spec);
        restored.RestoreState(original.SaveState());
        Assert.IsGreaterThan(0, AssertStepOnAlike(original, restored, sampler, after), "episodes end after the restore too");
    }

    /// <summary>
    /// A full-replay state (seed and every action since), written out byte by byte as the format says: what a vector
    /// env that cannot record episode starts saves. <paramref name="format"/> other than 2 makes a state of another
    /// format with the same bytes after it (format 1 had no kind byte and no first step).
    /// </summary>
    private static byte[] FullReplayState(int numEnvs, int seed, List<int[]> actions, ReadOnlySpan<byte> observations, int format = 2)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(format);
            writer.Write(numEnvs);
            if (format == 2)
            {
                writer.Write((byte)0); // full replay
            }
            writer.Write(seed);
            writer.Write(false); // one byte per action
            if (format == 2)
            {
                writer.Write(0L); // the first step kept
            }
            writer.Write((long)actions.Count * numEnvs);
            foreach (int[] row in actions)
            {
                foreach (int action in row)
                {
                    writer.Write((byte)action);
                }
            }
            writer.Write(observations.Length);
            writer.Write(observations);
        }
        return stream.ToArray();
    }

    [TestMethod]
    public void FullReplayStatesAreRestoredAndOtherFormatsRefused()
    {
        RequireGymnasium();
        var spec = new EnvSpec("CartPole-v1", NumEnvs: 2);
        using var original = new GymnasiumVectorEnv(spec);
        var sampler = new SeededRandom(8);
        var actions = new List<int[]>();
        original.Reset(seed: 6);
        StepRandomly(original, sampler, 3_000, actions);
        byte[] fullReplay = FullReplayState(2, 6, actions, original.Observations);
        byte[] formatOne = FullReplayState(2, 6, actions, original.Observations, format: 1);

        using var restored = new GymnasiumVectorEnv(spec);
        var refused = Assert.ThrowsExactly<InvalidDataException>(() => restored.RestoreState(formatOne));
        StringAssert.Contains(refused.Message, "CartPole-v1: the checkpoint's environment state is of format 1");
        StringAssert.Contains(refused.Message, "reads format 2 only");
        Assert.IsNull(restored.RestoreNotice(formatOne), "no replay notice for a state RestoreState refuses");

        StringAssert.Contains(restored.RestoreNotice(fullReplay), "replays all 3,000 steps");
        StringAssert.Contains(restored.RestoreNotice(fullReplay), "without episode starts");
        restored.RestoreState(fullReplay);
        AssertStepOnAlike(original, restored, sampler, 1_000);
        Assert.IsLessThan(2 * 500 + 4096, restored.SaveState().Length, "saved again, it keeps only the current episodes");

        byte[] future = (byte[])fullReplay.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(future, 3);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => restored.RestoreState(future));
        StringAssert.Contains(error.Message, "format 3");
        StringAssert.Contains(error.Message, "CartPole-v1");

        byte[] wrongObservations = (byte[])fullReplay.Clone();
        wrongObservations[^1] ^= 0x40;
        var mismatch = Assert.ThrowsExactly<InvalidDataException>(() => restored.RestoreState(wrongObservations));
        StringAssert.Contains(mismatch.Message, "did not reproduce the saved observations");
    }

    /// <summary>With vectorization async each subprocess records its own env's game start; a restore replays only those games.</summary>
    [TestMethod]
    public void AsyncVectorizationRestoresGameByGameToo()
    {
        RequireGymnasium();
        var spec = new EnvSpec("CartPole-v1", NumEnvs: 2);
        using var original = new GymnasiumVectorEnv(spec, vectorizationMode: "async");
        Assert.IsNull(original.FullReplayReason);
        var sampler = new SeededRandom(4);
        original.Reset(seed: 1);
        Assert.IsGreaterThan(20, StepRandomly(original, sampler, 2_000), "episodes ended before the save");
        byte[] state = original.SaveState();
        byte[] observationsAtSave = original.Observations.ToArray();
        Assert.IsLessThan(2 * 500 + 4096, state.Length, "only the current episodes are kept");

        using var restored = new GymnasiumVectorEnv(spec, vectorizationMode: "async");
        Assert.IsNull(restored.RestoreNotice(state));
        restored.RestoreState(state);
        AssertStepOnAlike(original, restored, sampler, 500);
        using var synchronous = new GymnasiumVectorEnv(spec);
        synchronous.RestoreState(state);
        CollectionAssert.AreEqual(observationsAtSave, synchronous.Observations.ToArray(), "a sync vector env restores it too");
    }

    [TestMethod]
    public void AleVectorizationFallsBackToAFullReplayAndSaysSo()
    {
        RequireGymnasium();
        var spec = new EnvSpec("ALE/Tetris-v5", NumEnvs: 2, Backend: EnvBackend.Gymnasium, Wrappers: EnvWrappers.Atari);
        using var original = MakeOrInconclusive(spec, "ALE's vector environment is needed", vectorizationMode: "ale");
        StringAssert.Contains(original.FullReplayReason, "vectorization ale");
        var sampler = new SeededRandom(6);
        original.Reset(seed: 3);
        StepRandomly(original, sampler, 300);
        byte[] state = original.SaveState();
        using var restored = new GymnasiumVectorEnv(spec, vectorizationMode: "ale");
        StringAssert.Contains(restored.RestoreNotice(state), "replays all 300 steps");
        restored.RestoreState(state);
        AssertStepOnAlike(original, restored, sampler, 200);
    }
}
