using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Build.Tests;

/// <summary>TorchSharp really computes in this build's output: forward, backward and an Adam step, checked by hand.</summary>
[TestClass]
public sealed class TorchSharpTests
{
    [TestMethod]
    public void LinearForwardBackwardAndAdamStepGiveHandComputedNumbers()
    {
        using var scope = NewDisposeScope();
        // y = w.x + b with w = [0.5, -1], b = 0.25; loss = (y - target)^2
        var linear = nn.Linear(2, 1);
        using (no_grad())
        {
            linear.weight!.copy_(tensor(new float[] { 0.5f, -1f }).reshape(1, 2));
            linear.bias!.copy_(tensor(new float[] { 0.25f }));
        }
        var x = tensor(new float[] { 2f, 3f }).reshape(1, 2);
        var target = tensor(new float[] { 1f }).reshape(1, 1);

        var y = linear.forward(x);
        var loss = (y - target).pow(2).sum();
        loss.backward();

        // y = 1 - 3 + 0.25 = -1.75; loss = 2.75^2 = 7.5625; dL/dy = 2 * -2.75 = -5.5
        Assert.AreEqual(-1.75f, y.item<float>(), 1e-6f);
        Assert.AreEqual(7.5625f, loss.item<float>(), 1e-5f);
        CollectionAssert.AreEqual(new[] { -11f, -16.5f }, linear.weight!.grad!.data<float>().ToArray());
        Assert.AreEqual(-5.5f, linear.bias!.grad!.item<float>(), 1e-6f);

        // Adam's first step moves every parameter by lr * g / (|g| + eps) ~ lr against its gradient's sign.
        var adam = optim.Adam(linear.parameters(), lr: 0.1);
        adam.step();

        var weights = linear.weight!.data<float>().ToArray();
        Assert.AreEqual(0.6f, weights[0], 1e-6f);
        Assert.AreEqual(-0.9f, weights[1], 1e-6f);
        Assert.AreEqual(0.35f, linear.bias!.item<float>(), 1e-6f);
    }

    [TestMethod]
    public void OneThreadIsHonoured()
    {
        int before = torch.get_num_threads();
        try
        {
            torch.set_num_threads(1);
            Assert.AreEqual(1, torch.get_num_threads());
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }
}
