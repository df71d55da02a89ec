using DqnBridge.Envs.Gymnasium;

namespace DqnBridge.Envs.Tests.Gymnasium;

[TestClass]
public sealed class GymnasiumBackendTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(PreprocessingHelperTests.DebianPython);

    private static void RequireGymnasium()
    {
        if (!GymnasiumRuntime.IsAvailable())
        {
            Assert.Inconclusive("gymnasium is not installed in /usr/bin/python3; these tests run where it is.");
        }
    }

    [TestMethod]
    public void MissingGymnasiumGivesTheFix()
    {
        if (GymnasiumRuntime.IsAvailable())
        {
            Assert.Inconclusive("gymnasium is installed here, so the missing-gymnasium error cannot be shown.");
        }
        var error = Assert.ThrowsExactly<GymnasiumNotAvailableException>(() => new GymnasiumVectorEnv(new EnvSpec("CartPole-v1", NumEnvs: 2)));
        Assert.Contains("CartPole-v1", error.Message);
        Assert.Contains("pip install -r requirements.txt", error.Message);
        Assert.Contains("environment.yml", error.Message);
        Assert.Contains("DQNBRIDGE_PYTHON", error.Message);
        Assert.ThrowsExactly<GymnasiumNotAvailableException>(() => new GymnasiumEnv(new EnvSpec("CartPole-v1")));
    }

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
