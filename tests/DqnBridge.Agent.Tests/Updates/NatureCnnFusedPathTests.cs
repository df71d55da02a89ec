using DqnBridge.Agent.FastPath;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Replay;
using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;
using DqnBridge.Envs;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Updates;

/// <summary>
/// The fused path's Nature CNN (<see cref="SplitNatureCnn"/>, <see cref="NatureCnnInference"/> and the flat Adam, or
/// optionally <see cref="SpaceToDepthCnn"/>) against the network's own layers and the reference update. The inference
/// pass is equal bit for bit; the update is not: the flat Adam rounds its first moment differently (UpdatePathTests),
/// and the split pass and space to depth sum the first convolution's products in another order, so these tests bound
/// the difference.
/// </summary>
[TestClass]
public sealed class NatureCnnFusedPathTests
{
    private const int BatchSize = 32;
    private const int Actions = 5;

    /// <summary>
    /// One forward and backward pass: Q-values and every gradient within float rounding of the network's own. Measured
    /// on 2026-12-06: Q differs by at most 4.0e-7 of the largest |Q| and each gradient by at most 8.1e-7 of its tensor's
    /// largest element (the biases' gradients equal); 1e-5 keeps a margin, while a wrong block order (a transposed
    /// kernel, a pixel from the wrong block) gives other sums altogether.
    /// </summary>
    [TestMethod]
    public void SpaceToDepthPassEqualsTheNetworkWithinRounding()
    {
        set_num_threads(1);
        random.manual_seed(5);
        using var network = QNetwork.NatureCnn([4, 84, 84], Actions);
        using var observations = randint(0, 256, [BatchSize, 4, 84, 84], dtype: ScalarType.Byte);
        using var weights = randn(BatchSize, Actions);
        var pass = new SpaceToDepthCnn(network);

        var (expectedQ, expectedGradients) = ForwardAndGradients(network, observations, weights, network.forward);
        var (actualQ, actualGradients) = ForwardAndGradients(network, observations, weights, pass.Forward);

        AssertRelativelyClose(expectedQ, actualQ, 1e-5f, "Q-values");
        Assert.HasCount(expectedGradients.Length, actualGradients);
        for (int i = 0; i < expectedGradients.Length; i++)
        {
            AssertRelativelyClose(expectedGradients[i], actualGradients[i], 1e-5f, $"gradient of parameter {i}");
        }
        using var firstKernel = expectedGradients[0].abs().max();
        Assert.IsGreaterThan(0f, firstKernel.item<float>(), "the first convolution's weights get a gradient");
        foreach (var tensor in expectedGradients.Concat(actualGradients).Append(expectedQ).Append(actualQ))
        {
            tensor.Dispose();
        }
    }

    /// <summary>
    /// The split pass that runs take (<see cref="SplitNatureCnn"/>) against the network's own layers and autograd, run
    /// twice on one batch (the second pass must overwrite the gradients, not add to them): Q-values and every gradient
    /// but the first convolution's equal bit for bit; the first convolution's weight and bias gradients, summed in
    /// another order, within float rounding. Measured on 2026-12-07: they differ by at most 5.0e-6 (weight) and 1.8e-6
    /// (bias) of their tensor's largest element: each is a float32 sum of 12,800 products (32 frames x 20 x 20 outputs),
    /// whose rounding grows with the number of terms. 5e-5 keeps a margin, while a transposed kernel or a wrong dilation
    /// gives other sums altogether (differences of the order of the gradient itself).
    /// </summary>
    [TestMethod]
    public void SplitPassEqualsTheNetwork()
    {
        set_num_threads(1);
        random.manual_seed(5);
        using var network = QNetwork.NatureCnn([4, 84, 84], Actions);
        using var splitNetwork = network.CreateSibling();
        using (no_grad())
        {
            foreach (var (source, destination) in network.parameters().Zip(splitNetwork.parameters()))
            {
                destination.copy_(source);
            }
        }
        using var observations = randint(0, 256, [BatchSize, 4, 84, 84], dtype: ScalarType.Byte);
        using var weights = randn(BatchSize, Actions);
        using var split = new SplitNatureCnn(splitNetwork, BatchSize);

        var (expectedQ, expectedGradients) = ForwardAndGradients(network, observations, weights, network.forward);
        Tensor actualQ = empty(0);
        for (int pass = 0; pass < 2; pass++)
        {
            using var scope = NewDisposeScope();
            var q = split.Forward(observations);
            split.Backward(weights); // d(sum(Q * weights))/dQ
            actualQ.Dispose();
            actualQ = q.clone().MoveToOuterDisposeScope();
        }
        var actualGradients = splitNetwork.parameters().Select(p => p.grad!.clone()).ToArray();

        CollectionAssert.AreEqual(expectedQ.data<float>().ToArray(), actualQ.data<float>().ToArray(), "Q-values equal the network's bit for bit");
        Assert.HasCount(expectedGradients.Length, actualGradients);
        for (int i = 0; i < expectedGradients.Length; i++)
        {
            if (i < 2)
            {
                AssertRelativelyClose(expectedGradients[i], actualGradients[i], 5e-5f, $"gradient of the first convolution's parameter {i}");
            }
            else
            {
                CollectionAssert.AreEqual(expectedGradients[i].data<float>().ToArray(), actualGradients[i].data<float>().ToArray(), $"gradient of parameter {i} equals autograd's bit for bit");
            }
        }
        using var firstKernel = actualGradients[0].abs().max();
        Assert.IsGreaterThan(0f, firstKernel.item<float>(), "the first convolution's weights get a gradient");
        foreach (var tensor in expectedGradients.Concat(actualGradients).Append(expectedQ).Append(actualQ))
        {
            tensor.Dispose();
        }
    }

    /// <summary>
    /// The inference pass (<see cref="NatureCnnInference"/>: the target network's values and greedy actions) gives the
    /// network's own Q-values bit for bit, for a batch and for one observation, and follows the weights when they change
    /// in place (as the target update and the optimizer change them) or move into the flat parameter tensor.
    /// </summary>
    [TestMethod]
    [DataRow(BatchSize)]
    [DataRow(1)]
    public void InferencePassEqualsTheNetworkBitForBit(int rows)
    {
        set_num_threads(1);
        random.manual_seed(9);
        using var network = QNetwork.NatureCnn([4, 84, 84], Actions);
        using var pass = new NatureCnnInference(network, rows);
        for (int round = 0; round < 3; round++)
        {
            if (round == 1)
            {
                using var noGrad = no_grad();
                foreach (var parameter in network.parameters())
                {
                    parameter.add_(randn(parameter.shape).mul_(0.01));
                }
            }
            if (round == 2)
            {
                network.Flatten();
            }
            using var scope = NewDisposeScope();
            var observations = randint(0, 256, [rows, 4, 84, 84], dtype: ScalarType.Byte);
            using var noGradForward = no_grad();
            var expected = network.forward(observations);
            var actual = pass.Forward(observations.bytes);
            CollectionAssert.AreEqual(expected.data<float>().ToArray(), actual.data<float>().ToArray(), $"Q-values in round {round}");
        }
    }

    /// <summary>
    /// CleanRL's dqn_atari.py update (batch 32, Adam at 1e-4, MSE) on random frames: the fused path (the flat Adam, with the
    /// split pass as runs take it, or with the first convolution as space to depth) against the reference update, 30
    /// updates with a target update after 15. Measured on 2026-12-07: after the first update the weights differ by at
    /// most 2.6e-7 (split pass) and 1.0e-6 (space to depth), against one Adam step of 1e-4. Then the trajectories
    /// drift apart as float trajectories under Adam do: Adam divides each gradient by its running magnitude, so an element
    /// whose gradient is near zero (random frames give many) takes a full step of the learning rate in whichever
    /// direction its rounding points. After 30 updates the mean |difference| per weight tensor was at most 3.3e-6 (split
    /// pass) and 3.7e-5 (space to depth), while the weights moved 1.4e-4 to 2.3e-4 on average since the target update;
    /// losses and mean Q agreed to 8.1e-6 (split pass) and 5.4e-4 (space to depth), relative, at every update. Bounds, for both: a
    /// tenth of an Adam step after the first update, 5e-3 for loss and Q, one Adam step (1e-4) for the mean weight
    /// difference.
    /// </summary>
    [TestMethod]
    [DataRow(false, false, DisplayName = "fused, the split pass (update_path auto)")]
    [DataRow(false, true, DisplayName = "fused, the split pass, Double DQN (the online network's inference pass picks the next action)")]
    [DataRow(true, false, DisplayName = "fused, first convolution as space to depth")]
    public void FusedCnnUpdateStaysWithinRoundingOfTheReferenceUpdate(bool spaceToDepth, bool doubleDqn)
    {
        set_num_threads(1);
        var config = DqnConfig.CleanRlAtari();
        config.DoubleDqn = doubleDqn;
        random.manual_seed(7);
        using var referenceQ = QNetwork.NatureCnn([4, 84, 84], Actions);
        using var referenceTarget = referenceQ.CreateSibling();
        using var fusedQ = referenceQ.CreateSibling();
        using var fusedTarget = referenceQ.CreateSibling();
        using (no_grad())
        {
            foreach (var (source, destination) in referenceQ.parameters().Zip(fusedQ.parameters()))
            {
                destination.copy_(source);
            }
        }
        using IDqnUpdate reference = new ReferenceUpdate(config, referenceQ, referenceTarget, CPU);
        using IDqnUpdate fused = new FusedCpuUpdate(config, fusedQ, fusedTarget, writtenOutMlpPass: true, spaceToDepth);
        Assert.AreEqual(UpdatePath.Fused, DqnUpdates.Resolve(config, DeviceType.CPU), "a CNN run on the CPU takes the fused path");
        reference.UpdateTarget(1.0);
        fused.UpdateTarget(1.0);
        using var batch = new DqnBatch(BatchSize, [4, 84, 84], ScalarType.Byte);
        var rng = new Random(11);
        for (int update = 0; update < 30; update++)
        {
            var view = batch.View;
            rng.NextBytes(view.Observations);
            rng.NextBytes(view.NextObservations);
            for (int row = 0; row < BatchSize; row++)
            {
                view.Actions[row] = rng.Next(Actions);
                view.Rewards[row] = (float)(rng.NextDouble() * 2 - 1);
                view.Dones[row] = rng.Next(8) == 0 ? 1f : 0f;
                view.Discounts[row] = 0.99f;
            }
            var expected = reference.Step(batch, withStatistics: true);
            var actual = fused.Step(batch, withStatistics: true);
            Assert.AreEqual(expected.Loss, actual.Loss, 5e-3f * Math.Max(1f, Math.Abs(expected.Loss)), $"loss at update {update}");
            Assert.AreEqual(expected.QValueMean, actual.QValueMean, 5e-3f * Math.Max(1f, Math.Abs(expected.QValueMean)), $"mean Q(s, a) at update {update}");
            if (update == 0)
            {
                foreach (var (e, a) in referenceQ.parameters().Zip(fusedQ.parameters()))
                {
                    using var difference = (e - a).abs().max();
                    Assert.IsLessThanOrEqualTo(1e-5f, difference.item<float>(), "largest weight difference after the first update");
                }
            }
            if (update == 15)
            {
                reference.UpdateTarget(1.0);
                fused.UpdateTarget(1.0);
            }
        }
        foreach (var (expected, actual, target) in referenceQ.parameters().Zip(fusedQ.parameters(), referenceTarget.parameters()))
        {
            using var difference = (expected - actual).abs().mean();
            using var moved = (expected - target).abs().mean();
            Assert.IsLessThanOrEqualTo(1e-4f, difference.item<float>(), $"mean weight difference of a {string.Join("x", expected.shape)} tensor after 30 updates");
            Assert.IsGreaterThan(1e-4f, moved.item<float>(), "the weights moved since the target update (the comparison is not of untouched weights)");
        }
    }

    private static (Tensor Q, Tensor[] Gradients) ForwardAndGradients(QNetwork network, Tensor observations, Tensor weights, Func<Tensor, Tensor> forward)
    {
        foreach (var parameter in network.parameters())
        {
            parameter.grad = null;
        }
        using var scope = NewDisposeScope();
        var q = forward(observations);
        (q * weights).sum().backward();
        return (q.detach().clone().MoveToOuterDisposeScope(), network.parameters().Select(p => p.grad!.clone().MoveToOuterDisposeScope()).ToArray());
    }

    private static void AssertRelativelyClose(Tensor expected, Tensor actual, float tolerance, string what)
    {
        using var difference = (expected - actual).abs().max();
        using var scale = expected.abs().max();
        Console.WriteLine($"{what}: largest difference {difference.item<float>() / Math.Max(scale.item<float>(), 1e-30f):E2} of the largest |expected|");
        Assert.IsLessThanOrEqualTo(tolerance * Math.Max(scale.item<float>(), 1e-30f), difference.item<float>(), $"largest {what} difference (largest |expected| {scale.item<float>()})");
    }
}

