using System.Runtime.InteropServices;
using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Envs.Native;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

[TestClass]
public sealed class GymnasiumBackendTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(TestPython.Embedded);

    private static void RequireGymnasium() => TestPython.RequireGymnasium(GymnasiumRuntime.IsAvailable());

    [TestMethod]
    public void VectorCartPoleStepsWithSameStepAutoreset()
    {
        RequireGymnasium();
        using var envs = new GymnasiumVectorEnv(new EnvSpec("CartPole-v1", NumEnvs: 2));
        Assert.AreEqual(new DiscreteSpace(2), envs.SingleActionSpace);
        CollectionAssert.AreEqual(new[] { 4 }, envs.SingleObservationSpace.Shape);
        envs.Reset(seed: 1);
        int episodes = 0;
        for (int step = 0; step < 500; step++)
        {
            envs.Step([0, 1]);
            foreach (CompletedEpisode episode in envs.CompletedEpisodes)
            {
                Assert.IsTrue(envs.Terminated[episode.EnvIndex] || envs.Truncated[episode.EnvIndex]);
                Assert.AreEqual(episode.Length, episode.Return, 1e-9, "CartPole gives 1 per step");
                episodes++;
            }
        }
        Assert.IsGreaterThan(10, episodes);
    }

    /// <summary>The built-in environments and real Gymnasium, stepped side by side with the same seeds and actions.</summary>
    [TestMethod]
    [DataRow("CartPole-v1", 0.0)]
    [DataRow("MountainCar-v0", 0.0)]
    [DataRow("Acrobot-v1", 0.0)]
    public void BuiltInEnvironmentsMatchGymnasiumStepForStep(string id, double tolerance)
    {
        RequireGymnasium();
        using var gymnasium = new GymnasiumVectorEnv(new EnvSpec(id, NumEnvs: 3));
        using var native = new SyncVectorEnv([.. Enumerable.Range(0, 3).Select(_ => NativeEnvs.Create(id))]);
        var sampler = new SeededRandom(17);
        var actions = new int[3];
        gymnasium.Reset(seed: 5);
        native.Reset(seed: 5);
        int episodes = 0;
        for (int step = 0; step < 3000; step++)
        {
            AssertClose(gymnasium.Observations, native.Observations, tolerance, $"{id} step {step} observations");
            for (int i = 0; i < actions.Length; i++) actions[i] = native.SingleActionSpace.Start + sampler.Next(native.SingleActionSpace.N);
            gymnasium.Step(actions);
            native.Step(actions);
            CollectionAssert.AreEqual(gymnasium.Rewards.ToArray(), native.Rewards.ToArray(), $"{id} step {step} rewards");
            CollectionAssert.AreEqual(gymnasium.Terminated.ToArray(), native.Terminated.ToArray(), $"{id} step {step} terminated");
            CollectionAssert.AreEqual(gymnasium.Truncated.ToArray(), native.Truncated.ToArray(), $"{id} step {step} truncated");
            for (int i = 0; i < actions.Length; i++)
            {
                if (native.Terminated[i] || native.Truncated[i])
                {
                    int bytes = native.SingleObservationSpace.ByteSize;
                    AssertClose(gymnasium.FinalObservations.Slice(i * bytes, bytes), native.FinalObservations.Slice(i * bytes, bytes), tolerance, $"{id} step {step} final observation {i}");
                    episodes++;
                }
            }
        }
        Assert.IsGreaterThan(3, episodes);
    }

    private static void AssertClose(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, double tolerance, string where)
    {
        var expectedValues = MemoryMarshal.Cast<byte, float>(expected);
        var actualValues = MemoryMarshal.Cast<byte, float>(actual);
        for (int i = 0; i < expectedValues.Length; i++)
        {
            Assert.AreEqual(expectedValues[i], actualValues[i], tolerance, $"{where} [{i}]");
        }
    }

    [TestMethod]
    public void InfoCarriesGymnasiumsEpisodeStatistics()
    {
        RequireGymnasium();
        using var env = new GymnasiumEnv(new EnvSpec("CartPole-v1"));
        var observation = new byte[env.ObservationSpace.ByteSize];
        env.Reset(observation, seed: 2);
        Assert.IsEmpty(env.Info);
        int steps = 0;
        StepResult result;
        do
        {
            result = env.Step(steps % 2, observation);
            steps++;
        }
        while (!result.Done);
        var episode = (Dictionary<object, object?>)env.Info["episode"]!;
        Assert.AreEqual((double)steps, Convert.ToDouble(episode["r"]));
        Assert.AreEqual((long)steps, Convert.ToInt64(episode["l"]));
    }

    [TestMethod]
    public void UnknownIdsSuggestCloseOnes()
    {
        RequireGymnasium();
        var error = Assert.ThrowsExactly<EnvCreationException>(() => new GymnasiumEnv(new EnvSpec("CartPol-v1")));
        Assert.Contains("CartPole-v1", error.Message);
    }

    [TestMethod]
    public void BadKeywordArgumentsAndContinuousActionsAreClearErrors()
    {
        RequireGymnasium();
        var badKwarg = Assert.ThrowsExactly<EnvCreationException>(() =>
            new GymnasiumEnv(new EnvSpec("CartPole-v1", Kwargs: new Dictionary<string, object> { ["no_such_option"] = 3 })));
        Assert.Contains("no_such_option", badKwarg.Message);

        var continuous = Assert.ThrowsExactly<EnvCreationException>(() => new GymnasiumVectorEnv(new EnvSpec("Pendulum-v1", NumEnvs: 1)));
        Assert.Contains("discrete", continuous.Message);
        Assert.Contains("Box", continuous.Message);
    }
}
