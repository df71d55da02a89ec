using DqnBridge.Envs.GymnasiumBackend;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

/// <summary>
/// Backend choice that holds with or without Gymnasium. What happens without it is tested on the CLI binary
/// with a Python that lacks it (DqnBridge.Cli.Tests, WithoutGymnasiumTests), whatever Python this process embeds.
/// </summary>
[TestClass]
public sealed class EnvFactoryTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(TestPython.Embedded);

    [TestMethod]
    public void UnknownBuiltInIdsSuggestCloseOnes()
    {
        var error = Assert.ThrowsExactly<EnvCreationException>(() => EnvFactory.Make(new EnvSpec("CartPol-v1", Backend: EnvBackend.Native)));
        Assert.Contains("Did you mean CartPole-v1", error.Message);
        Assert.AreEqual(EnvProblem.UnknownId, error.Problem);

        var wrapped = Assert.ThrowsExactly<EnvCreationException>(() => EnvFactory.Make(new EnvSpec("CartPole-v1", Backend: EnvBackend.Native, Wrappers: EnvWrappers.Atari)));
        Assert.Contains("backend gymnasium", wrapped.Message);
        Assert.AreEqual(EnvProblem.UnfitSetting, wrapped.Problem);
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
