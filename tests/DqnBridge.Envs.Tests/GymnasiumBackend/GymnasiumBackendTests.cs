using DqnBridge.Envs.GymnasiumBackend;

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
        var episode = (Dictionary<string, object?>)env.Info["episode"]!;
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
