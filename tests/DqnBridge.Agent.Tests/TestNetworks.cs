using DqnBridge.Agent.Networks;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests;

/// <summary>Networks with weights set by hand, for tests that compute the expected values themselves.</summary>
internal static class TestNetworks
{
    /// <summary>A 1-input, 2-action linear net: Q(x) = [w0 * x + b0, w1 * x + b1].</summary>
    public static QNetwork Linear(float w0, float w1, float b0, float b1)
    {
        var network = QNetwork.Mlp(1, 2, []);
        using var noGrad = no_grad();
        var layer = network.LinearLayers()[0];
        layer.weight!.copy_(tensor(new[] { w0, w1 }).reshape(2, 1));
        layer.bias!.copy_(tensor(new[] { b0, b1 }));
        return network;
    }
}
