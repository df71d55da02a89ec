using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Torch;
using DqnBridge.Agent.Training;

namespace DqnBridge.Agent.Tests.Torch;

/// <summary>What torch_threads: auto and a count become.</summary>
[TestClass]
public sealed class ThreadResolutionTests
{
    [TestMethod]
    public void AutoGivesTheCnnTheUsableCoresAndAnMlpOneThread()
    {
        var cnn = TorchRuntime.ResolveThreads(DqnConfig.AutoTorchThreads, NetworkKind.NatureCnn);
        var mlp = TorchRuntime.ResolveThreads(DqnConfig.AutoTorchThreads, NetworkKind.Mlp);

        Assert.AreEqual(UsableCores.OfThisProcess().Count, cnn.Count);
        StringAssert.StartsWith(cnn.Description, $"libtorch threads: {cnn.Count} (torch_threads: auto, from ");
        Assert.AreEqual(1, mlp.Count);
        StringAssert.StartsWith(mlp.Description, "libtorch threads: 1 (torch_threads: auto, one for an MLP; OpenMP ");
    }

    [TestMethod]
    public void ACountIsTakenAsItIs()
    {
        var (count, description) = TorchRuntime.ResolveThreads(3, NetworkKind.Mlp);

        Assert.AreEqual(3, count);
        StringAssert.StartsWith(description, "libtorch threads: 3 (torch_threads: 3; OpenMP ");
    }
}
