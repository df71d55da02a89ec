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

    /// <summary>The plain Nature CNN acts through its inference pass (NatureCnnInference): the same actions as the network's argmax, also after the weights change.</summary>
    [TestMethod]
    public void NatureCnnActsAsTheNetworkDoes()
    {
        random.manual_seed(3);
        using var network = QNetwork.NatureCnn([4, 84, 84], 5);
        using var policy = new GreedyPolicy(network, ElementType.UInt8);
        var rng = new Random(4);
        var actions = new HashSet<long>();
        for (int i = 0; i < 40; i++)
        {
            var frame = new byte[4 * 84 * 84];
            rng.NextBytes(frame);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            if (i == 20)
            {
                foreach (var parameter in network.parameters())
                {
                    parameter.add_(randn(parameter.shape).mul_(0.05));
                }
            }
            long expected = network.forward(tensor(frame, ScalarType.Byte).reshape(1, 4, 84, 84)).argmax(1).item<long>();
            Assert.AreEqual(expected, policy.Act(frame), $"action for frame {i}");
            actions.Add(expected);
        }
        Assert.IsGreaterThan(1, actions.Count, "random frames lead to more than one action (the test compares choices, not a constant)");
    }
}
