using DqnBridge.Agent.Networks;
using DqnBridge.Envs;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Training;

/// <summary>
/// What the agent saw and did at one step (debug_frequency): environment 0's observation as the network receives it,
/// the action taken there, whether exploration chose it, and the Q-values of every action for that observation.
/// </summary>
/// <param name="GlobalStep">The step the action was taken at.</param>
/// <param name="Observation">The raw observation (elements of <paramref name="ObservationType"/>, shape <paramref name="ObservationShape"/>).</param>
/// <param name="ObservationShape">The observation space's shape, e.g. (4, 84, 84) for stacked frames.</param>
/// <param name="ObservationType">The observation space's element type.</param>
/// <param name="Action">The action taken (the action space's own numbering).</param>
/// <param name="Explored">True when the epsilon draw chose a random action instead of the greedy one.</param>
/// <param name="Epsilon">The exploration rate at this step.</param>
/// <param name="QValues">Q(s, a) for every action a, from the network that chose the action.</param>
public sealed record DebugView(long GlobalStep, byte[] Observation, int[] ObservationShape, ElementType ObservationType,
    int Action, bool Explored, double Epsilon, float[] QValues)
{
    /// <summary>
    /// Q(s, .) of one raw observation by <paramref name="network"/>'s own forward pass (no gradient, no random draw, so
    /// computing it changes nothing in training).
    /// </summary>
    public static float[] QValuesOf(QNetwork network, ElementType observationType, ReadOnlySpan<byte> observation)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor input;
        if (network.Kind == NetworkKind.Mlp && observationType != ElementType.UInt8) // as NetworkInput.TypeOf: pixels stay bytes
        {
            var floats = new float[network.ObservationShape.Aggregate(1, (a, b) => a * b)];
            NetworkInput.ToFloats(observationType, observation, floats);
            input = tensor(floats, [1, floats.Length]);
        }
        else
        {
            long[] shape = [1, .. network.ObservationShape.Select(d => (long)d)];
            input = zeros(shape, ScalarType.Byte);
            observation[..(int)input.NumberOfElements].CopyTo(input.bytes);
        }
        var device = network.parameters().First().device;
        return network.forward(device.type == DeviceType.CPU ? input : input.to(device)).cpu().data<float>().ToArray();
    }
}
