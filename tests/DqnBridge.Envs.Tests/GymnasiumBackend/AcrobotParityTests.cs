using System.Runtime.InteropServices;
using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Envs.Native;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

/// <summary>
/// The built-in Acrobot-v1 against real Gymnasium over a training run's worth of steps: every observation,
/// reward, ending and final observation identical, bit for bit. A difference in the last bit of one state
/// variable grows within a few hundred steps, so this catches any operation not reproduced exactly.
/// </summary>
[TestClass]
public sealed class AcrobotParityTests
{
    const int NumEnvs = 8;
    const int VectorSteps = 12_500; // 100,000 environment steps

    [ClassInitialize]
    public static void StartPython(TestContext context) => GymnasiumBackendTests.StartPython(context);

    [TestMethod]
    public void BuiltInAcrobotEqualsGymnasiumOver100kSteps()
    {
        if (!GymnasiumRuntime.IsAvailable())
        {
            Assert.Inconclusive("gymnasium is not installed in the test interpreter; this test runs where it is.");
        }
        using var gymnasium = new GymnasiumVectorEnv(new EnvSpec("Acrobot-v1", NumEnvs: NumEnvs));
        using var native = new SyncVectorEnv([.. Enumerable.Range(0, NumEnvs).Select(_ => NativeEnvs.Create("Acrobot-v1"))]);
        var sampler = new SeededRandom(29);
        var actions = new int[NumEnvs];
        gymnasium.Reset(seed: 13);
        native.Reset(seed: 13);
        int observationBytes = native.SingleObservationSpace.ByteSize;
        int terminations = 0, truncations = 0;

        for (int step = 0; step < VectorSteps; step++)
        {
            AssertSameBytes(gymnasium.Observations, native.Observations, $"step {step} observations");
            var observations = MemoryMarshal.Cast<byte, float>(native.Observations);
            for (int i = 0; i < NumEnvs; i++)
            {
                // Half the envs act at random (long episodes, truncated at 500 steps); half swing with the
                // second link's velocity, which reaches the goal within ~100 steps (many terminations and resets).
                actions[i] = i % 2 == 0 ? sampler.Next(native.SingleActionSpace.N) + native.SingleActionSpace.Start : observations[i * 6 + 5] > 0 ? 2 : 0;
            }
            gymnasium.Step(actions);
            native.Step(actions);

            CollectionAssert.AreEqual(gymnasium.Rewards.ToArray(), native.Rewards.ToArray(), $"step {step} rewards");
            CollectionAssert.AreEqual(gymnasium.Terminated.ToArray(), native.Terminated.ToArray(), $"step {step} terminated");
            CollectionAssert.AreEqual(gymnasium.Truncated.ToArray(), native.Truncated.ToArray(), $"step {step} truncated");
            CollectionAssert.AreEqual(gymnasium.CompletedEpisodes.ToArray(), native.CompletedEpisodes.ToArray(), $"step {step} completed episodes");
            for (int i = 0; i < NumEnvs; i++)
            {
                if (native.Terminated[i] || native.Truncated[i])
                {
                    AssertSameBytes(
                        gymnasium.FinalObservations.Slice(i * observationBytes, observationBytes),
                        native.FinalObservations.Slice(i * observationBytes, observationBytes),
                        $"step {step} final observation of env {i}");
                    if (native.Terminated[i]) terminations++;
                    else truncations++;
                }
            }
        }

        Assert.IsGreaterThan(200, terminations, "episodes that reached the goal");
        Assert.IsGreaterThan(50, truncations, "episodes cut at 500 steps");
    }

    static void AssertSameBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string where)
    {
        if (expected.SequenceEqual(actual)) return;
        var expectedValues = MemoryMarshal.Cast<byte, float>(expected);
        var actualValues = MemoryMarshal.Cast<byte, float>(actual);
        int first = 0;
        while (BitConverter.SingleToInt32Bits(expectedValues[first]) == BitConverter.SingleToInt32Bits(actualValues[first])) first++;
        Assert.Fail($"{where}: float {first} (env {first / 6}, element {first % 6}) is {expectedValues[first]:R} in Gymnasium, {actualValues[first]:R} built in");
    }
}
