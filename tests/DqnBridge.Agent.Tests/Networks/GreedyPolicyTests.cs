using System.Runtime.InteropServices;
using DqnBridge.Agent.Networks;
using DqnBridge.Envs;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Networks;

[TestClass]
public sealed class GreedyPolicyTests
{
    /// <summary>An MLP acts through the fast path's managed forward pass (ManagedGreedyMlp): the same actions as the network's argmax.</summary>
    [TestMethod]
    public void ManagedMlpActsAsTheNetworkDoes()
    {
        random.manual_seed(7);
        using var network = QNetwork.Mlp(4, 3, [16, 8]);
        using var policy = new GreedyPolicy(network, ElementType.Float32);
        var rng = new SeededRandom(2);
        for (int i = 0; i < 200; i++)
        {
            float[] x = Enumerable.Range(0, 4).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            long expected = network.forward(tensor(x).reshape(1, 4)).argmax(1).item<long>();
            Assert.AreEqual(expected, policy.Act(MemoryMarshal.AsBytes(x.AsSpan())));
        }
    }
}
