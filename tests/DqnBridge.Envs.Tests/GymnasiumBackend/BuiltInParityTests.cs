using System.Runtime.InteropServices;
using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Envs.Native;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

/// <summary>
/// The built-in environments against real Gymnasium, stepped side by side with the same seeds and actions: every
/// observation, reward, ending, completed episode and final observation identical, bit for bit. A difference in the
/// last bit of one state variable grows within a few hundred steps, so this catches any operation not reproduced exactly.
/// </summary>
[TestClass]
public sealed class BuiltInParityTests
{
    [ClassInitialize]
    public static void StartPython(TestContext context) => GymnasiumBackendTests.StartPython(context);

    private delegate void ChooseActions(ReadOnlySpan<float> observations, DiscreteSpace space, int[] actions);

    [TestMethod]
    [DataRow("CartPole-v1")]
    [DataRow("MountainCar-v0")]
    [DataRow("Acrobot-v1")]
    public void BuiltInEnvironmentsMatchGymnasiumStepForStep(string id)
    {
        var sampler = new SeededRandom(17);
        var (terminations, truncations) = StepSideBySide(id, numEnvs: 3, seed: 5, steps: 3000, (_, space, actions) =>
        {
            for (int i = 0; i < actions.Length; i++)
            {
                actions[i] = space.Start + sampler.Next(space.N);
            }
        });
        Assert.IsGreaterThan(3, terminations + truncations);
    }

    [TestMethod]
    public void BuiltInAcrobotEqualsGymnasiumOver100kSteps()
    {
        var sampler = new SeededRandom(29);
        // 8 envs x 12,500 steps. Half the envs act at random (long episodes, truncated at 500 steps); half swing with
        // the second link's velocity, which reaches the goal within ~100 steps (many terminations and resets).
        var (terminations, truncations) = StepSideBySide("Acrobot-v1", numEnvs: 8, seed: 13, steps: 12_500, (observations, space, actions) =>
        {
            for (int i = 0; i < actions.Length; i++)
            {
                actions[i] = i % 2 == 0 ? space.Start + sampler.Next(space.N) : observations[i * 6 + 5] > 0 ? 2 : 0;
            }
        });
        Assert.IsGreaterThan(200, terminations, "episodes that reached the goal");
        Assert.IsGreaterThan(50, truncations, "episodes cut at 500 steps");
    }

    /// <summary>Steps Gymnasium's and the built-in vector env alike, asserting they stay identical; counts the endings.</summary>
    private static (int Terminations, int Truncations) StepSideBySide(string id, int numEnvs, int seed, int steps, ChooseActions choose)
    {
        TestPython.RequireGymnasium(GymnasiumRuntime.IsAvailable());
        using var gymnasium = new GymnasiumVectorEnv(new EnvSpec(id, NumEnvs: numEnvs));
        using var native = new SyncVectorEnv([.. Enumerable.Range(0, numEnvs).Select(_ => NativeEnvs.Create(id))]);
        var actions = new int[numEnvs];
        gymnasium.Reset(seed);
        native.Reset(seed);
        int bytes = native.SingleObservationSpace.ByteSize;
        int terminations = 0, truncations = 0;
        for (int step = 0; step < steps; step++)
        {
            AssertSameBytes(gymnasium.Observations, native.Observations, $"{id} step {step} observations");
            choose(MemoryMarshal.Cast<byte, float>(native.Observations), native.SingleActionSpace, actions);
            gymnasium.Step(actions);
            native.Step(actions);
            CollectionAssert.AreEqual(gymnasium.Rewards.ToArray(), native.Rewards.ToArray(), $"{id} step {step} rewards");
            CollectionAssert.AreEqual(gymnasium.Terminated.ToArray(), native.Terminated.ToArray(), $"{id} step {step} terminated");
            CollectionAssert.AreEqual(gymnasium.Truncated.ToArray(), native.Truncated.ToArray(), $"{id} step {step} truncated");
            CollectionAssert.AreEqual(gymnasium.CompletedEpisodes.ToArray(), native.CompletedEpisodes.ToArray(), $"{id} step {step} completed episodes");
            for (int i = 0; i < numEnvs; i++)
            {
                if (native.Terminated[i] || native.Truncated[i])
                {
                    AssertSameBytes(gymnasium.FinalObservations.Slice(i * bytes, bytes), native.FinalObservations.Slice(i * bytes, bytes),
                        $"{id} step {step} final observation of env {i}");
                    if (native.Terminated[i])
                    {
                        terminations++;
                    }
                    else
                    {
                        truncations++;
                    }
                }
            }
        }
        return (terminations, truncations);
    }

    private static void AssertSameBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string where)
    {
        if (expected.SequenceEqual(actual))
        {
            return;
        }

        var expectedValues = MemoryMarshal.Cast<byte, float>(expected);
        var actualValues = MemoryMarshal.Cast<byte, float>(actual);
        int first = 0;
        while (BitConverter.SingleToInt32Bits(expectedValues[first]) == BitConverter.SingleToInt32Bits(actualValues[first]))
        {
            first++;
        }

        Assert.Fail($"{where}: float {first} is {expectedValues[first]:R} in Gymnasium, {actualValues[first]:R} built in");
    }
}
