using DqnBridge.Agent.FastPath;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Updates;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.FastPath;

/// <summary>The fused update's flat Adam, AdamW and RMSprop against torch.optim on the same network and data.</summary>
[TestClass]
public sealed class FlatOptimizerTests
{
    [TestMethod]
    [DataRow(OptimizerKind.Adam)]
    [DataRow(OptimizerKind.AdamW)]
    [DataRow(OptimizerKind.RMSprop)]
    public void StepsLikeTorchOptim(OptimizerKind kind)
    {
        random.manual_seed(5);
        using var reference = QNetwork.Mlp(3, 2, [8]);
        using var flat = reference.CreateSibling();
        var (values, gradients) = flat.Flatten();
        using (no_grad())
        {
            values.copy_(cat(reference.parameters().Select(p => p.flatten()).ToList()));
        }
        using var torchOptimizer = kind switch
        {
            OptimizerKind.Adam => (TorchSharp.Modules.OptimizerHelper)optim.Adam(reference.parameters(), 0.01),
            OptimizerKind.AdamW => optim.AdamW(reference.parameters(), 0.01, weight_decay: 0.01),
            _ => optim.RMSProp(reference.parameters(), 0.01),
        };
        using var flatOptimizer = new FlatOptimizer(kind, 0.01, values, gradients);
        using var inputs = randn(16, 3);
        using var targets = randn(16, 2);
        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            torchOptimizer.zero_grad();
            nn.functional.mse_loss(reference.forward(inputs), targets).backward();
            torchOptimizer.step();
            flatOptimizer.ZeroGrad();
            nn.functional.mse_loss(flat.forward(inputs), targets).backward();
            flatOptimizer.ClipGradNorm(1e9);
            flatOptimizer.Step();
        }
        float[] expected = reference.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        float[] actual = values.data<float>().ToArray();
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5, $"parameter element {i}");
        }
        Assert.AreNotEqual(0f, gradients.abs().sum().item<float>(), "gradients land in the flat tensor");
    }
}
