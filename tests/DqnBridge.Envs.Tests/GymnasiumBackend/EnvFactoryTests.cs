using DqnBridge.Envs.GymnasiumBackend;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

/// <summary>Backend choice with Debian's python3, which has NumPy but not Gymnasium.</summary>
[TestClass]
public sealed class EnvFactoryTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(PreprocessingHelperTests.DebianPython);

    private static void RequireNoGymnasium()
    {
        if (GymnasiumRuntime.IsAvailable())
        {
            Assert.Inconclusive("gymnasium is installed here; these tests cover the machine without it.");
        }
    }

    [TestMethod]
    public void AutoFallsBackToTheBuiltInEnvironmentAndSaysSo()
    {
        RequireNoGymnasium();
        var messages = new List<string>();
        using IVectorEnv envs = EnvFactory.MakeVector(new EnvSpec("CartPole-v1", NumEnvs: 2), messages.Add);
        Assert.AreEqual(2, envs.NumEnvs);
        Assert.AreEqual(new DiscreteSpace(2), envs.SingleActionSpace);
        envs.Reset(seed: 3);
        envs.Step([0, 1]);
        Assert.AreEqual(1f, envs.Rewards[0]);
        Assert.HasCount(1, messages);
        Assert.Contains("built-in", messages[0]);

        using IEnv single = EnvFactory.Make(new EnvSpec("CartPole-v1"));
        Assert.AreEqual("CartPole-v1", single.Id);
    }

    [TestMethod]
    public void GymnasiumOnlyIdsAndExplicitGymnasiumExplainTheFix()
    {
        RequireNoGymnasium();
        var pong = Assert.ThrowsExactly<GymnasiumNotAvailableException>(() => EnvFactory.MakeVector(new EnvSpec("ALE/Pong-v5", Wrappers: EnvWrappers.Atari)));
        Assert.Contains("pip install -r requirements.txt", pong.Message);
        Assert.Contains("/usr/bin/python3", pong.Message);

        Assert.ThrowsExactly<GymnasiumNotAvailableException>(() => EnvFactory.Make(new EnvSpec("CartPole-v1", Backend: EnvBackend.Gymnasium)));
    }

    [TestMethod]
    public void UnknownBuiltInIdsSuggestCloseOnes()
    {
        var error = Assert.ThrowsExactly<EnvCreationException>(() => EnvFactory.Make(new EnvSpec("CartPol-v1", Backend: EnvBackend.Native)));
        Assert.Contains("Did you mean CartPole-v1", error.Message);

        var wrapped = Assert.ThrowsExactly<EnvCreationException>(() => EnvFactory.Make(new EnvSpec("CartPole-v1", Backend: EnvBackend.Native, Wrappers: EnvWrappers.Atari)));
        Assert.Contains("backend gymnasium", wrapped.Message);
    }

    [TestMethod]
    public void ListingShowsBuiltInIdsWithTheirActionSpaces()
    {
        IReadOnlyList<EnvironmentInfo> list = EnvFactory.ListEnvironments();
        EnvironmentInfo cartPole = list.Single(e => e.Id == "CartPole-v1");
        Assert.Contains(EnvBackend.Native, cartPole.Backends.ToList());
        Assert.AreEqual("Discrete(2)", cartPole.ActionSpace);
    }
}
