using System.Runtime.InteropServices;
using DqnBridge.Agent.FastPath;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Replay;
using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;
using DqnBridge.Envs;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Updates;

/// <summary>The reference update (TorchSharp ops, autograd, torch.optim) and the fused CPU path compute the same update.</summary>
[TestClass]
public sealed class UpdatePathTests
{
    private const int Updates = 200;
    private const int BatchSize = 32;

    // Both paths run in float32 but not in the same order: the fused path forms gamma * (1 - done) first and
    // sums the TD target, the loss and the clipping norm in managed code (the norm in double), and updates
    // Adam's first moment as m += (g - m)(1 - beta1) where libtorch computes beta1 m + (1 - beta1) g. Each
    // step therefore differs in the last float bits (~1e-7); measured over these 200 updates the loss and Q
    // stay within 5e-7 and gradients and weights within a few 1e-6, so 1e-5 holds with a margin, while one real difference in the
    // algorithm (a wrong sign, a missed done, a skipped clip, another constant) moves them by 1e-3 or more.
    // The data are random, rewards in [-1, 1]: with a constant reward of 1 and no clipping, Q grows without
    // bound here and the two float orders drift apart chaotically (1e-4 after 150 updates), which says
    // nothing about either path.
    private const float Tolerance = 1e-5f;

    [TestMethod]
    [DataRow(LossKind.Mse, OptimizerKind.Adam, false, 0.0, 0.0, false, DisplayName = "CleanRL: MSE, Adam")]
    [DataRow(LossKind.Huber, OptimizerKind.Adam, true, 1.0, 0.0, false, DisplayName = "Huber, Double DQN, norm clipping")]
    [DataRow(LossKind.Mse, OptimizerKind.AdamW, false, 0.0, 0.05, false, DisplayName = "AdamW, value clipping")]
    [DataRow(LossKind.Huber, OptimizerKind.RMSprop, false, 0.5, 0.05, false, DisplayName = "RMSprop, both clippings")]
    [DataRow(LossKind.Mse, OptimizerKind.Adam, false, 0.0, 0.0, true, DisplayName = "prioritized, n-step discounts: MSE, Adam")]
    [DataRow(LossKind.Huber, OptimizerKind.Adam, true, 10.0, 0.0, true, DisplayName = "prioritized, n-step discounts: Huber, Double DQN, norm clipping")]
    public void ReferenceAndFusedPathsAgreeAfterManyUpdates(LossKind loss, OptimizerKind optimizer, bool doubleDqn, double maxGradNorm, double clipGradValue, bool prioritized)
    {
        var config = new DqnConfig
        {
            BatchSize = BatchSize,
            LearningRate = 2.5e-4,
            Loss = loss,
            Optimizer = optimizer,
            DoubleDqn = doubleDqn,
            MaxGradNorm = maxGradNorm,
            ClipGradValue = clipGradValue,
            Gamma = 0.99,
        };
        var (reference, fused) = SideBySide(config, torchSeed: 3, batchSeed: 9, prioritized,
            (q, target) => new ReferenceUpdate(config, q, target, CPU),
            (q, target) => new FusedCpuUpdate(config, q, target),
            (update, expected, actual) =>
            {
                Assert.AreEqual(expected.Loss, actual.Loss, Tolerance * Math.Max(1f, Math.Abs(expected.Loss)), $"loss at update {update}");
                Assert.AreEqual(expected.QValueMean, actual.QValueMean, Tolerance * Math.Max(1f, Math.Abs(expected.QValueMean)), $"mean Q(s, a) at update {update}");
            });
        using var referenceNetwork = reference.Network;
        using var referenceTarget = reference.Target;
        using var fusedNetwork = fused.Network;
        using var fusedTarget = fused.Target;

        AssertClose(referenceNetwork.parameters().Select(p => p.grad!), fusedNetwork.parameters().Select(p => p.grad!), Tolerance, "gradient");
        AssertClose(referenceNetwork.parameters(), fusedNetwork.parameters(), Tolerance, "weight");
        AssertClose(referenceTarget.parameters(), fusedTarget.parameters(), Tolerance, "target weight");
        using var moved = (referenceNetwork.parameters().First() - referenceTarget.parameters().First()).abs().max();
        Assert.IsGreaterThan(1e-3f, moved.item<float>(), "the networks learned since the last target update (the comparison is not of untouched weights)");
    }

    /// <summary>
    /// The fused path writes an MLP's forward and backward pass out (<see cref="WrittenOutMlp"/>) with the matrix
    /// products the network's own layers and autograd run, in the same layouts, so after many updates the weights are
    /// equal bit for bit: runs keep their results whichever way Q and the gradient are computed.
    /// </summary>
    [TestMethod]
    [DataRow(128, LossKind.Mse, OptimizerKind.Adam, false, 0.0, DisplayName = "CleanRL: batch 128, MSE, Adam")]
    [DataRow(32, LossKind.Huber, OptimizerKind.RMSprop, true, 1.0, DisplayName = "batch 32, Huber, RMSprop, Double DQN, norm clipping")]
    [DataRow(100, LossKind.Mse, OptimizerKind.AdamW, false, 0.0, DisplayName = "batch 100 (not a multiple of 4), AdamW")]
    public void WrittenOutMlpBackwardEqualsAutogradBitForBit(int batchSize, LossKind loss, OptimizerKind optimizer, bool doubleDqn, double maxGradNorm)
    {
        var config = new DqnConfig { BatchSize = batchSize, LearningRate = 2.5e-4, Loss = loss, Optimizer = optimizer, DoubleDqn = doubleDqn, MaxGradNorm = maxGradNorm };
        var (autograd, writtenOut) = SideBySide(config, torchSeed: 5, batchSeed: 11, prioritized: false,
            (q, target) => new FusedCpuUpdate(config, q, target, writtenOutMlpPass: false),
            (q, target) =>
            {
                var update = new FusedCpuUpdate(config, q, target, writtenOutMlpPass: true);
                Assert.IsTrue(update.UsesWrittenOutMlp, "the written-out pass is in use");
                return update;
            },
            (update, expected, actual) => Assert.AreEqual(expected, actual, $"loss and mean Q at update {update}"));
        using var autogradQ = autograd.Network;
        using var writtenOutQ = writtenOut.Network;
        autograd.Target.Dispose();
        writtenOut.Target.Dispose();

        foreach (var (expected, actual) in autogradQ.parameters().Zip(writtenOutQ.parameters()))
        {
            CollectionAssert.AreEqual(expected.data<float>().ToArray(), actual.data<float>().ToArray(), "weights after the updates");
            CollectionAssert.AreEqual(expected.grad!.data<float>().ToArray(), actual.grad!.data<float>().ToArray(), "last gradient");
        }
    }

    /// <summary>
    /// C51 on the fused path (projection and the cross-entropy's gradient by hand, <see cref="CategoricalKernels"/>)
    /// against the reference path's <see cref="CategoricalTdLoss"/> and autograd: the same update within float rounding
    /// (softmax, exp and log in managed float differ from libtorch's in the last bits).
    /// </summary>
    [TestMethod]
    [DataRow(false, false, DisplayName = "c51.py's settings")]
    [DataRow(true, false, DisplayName = "c51 with Double DQN")]
    [DataRow(false, true, DisplayName = "c51 with prioritized replay's weights and errors")]
    public void ReferenceAndFusedPathsAgreeForC51(bool doubleDqn, bool prioritized)
    {
        var config = new DqnConfig
        {
            BatchSize = BatchSize,
            LearningRate = 2.5e-4,
            AdamEpsilon = 0.01 / BatchSize,
            Distributional = Distributional.C51,
            NAtoms = 101,
            VMin = -100,
            VMax = 100,
            DoubleDqn = doubleDqn,
        };
        const float C51Tolerance = 1e-4f;
        var (reference, fused) = SideBySide(config, torchSeed: 3, batchSeed: 9, prioritized,
            (q, target) => new ReferenceUpdate(config, q, target, CPU),
            (q, target) => new FusedCpuUpdate(config, q, target),
            (update, expected, actual) =>
            {
                Assert.AreEqual(expected.Loss, actual.Loss, C51Tolerance * Math.Max(1f, Math.Abs(expected.Loss)), $"loss at update {update}");
                Assert.AreEqual(expected.QValueMean, actual.QValueMean, C51Tolerance * Math.Max(1f, Math.Abs(expected.QValueMean)), $"mean Q(s, a) at update {update}");
            });
        using var referenceNetwork = reference.Network;
        using var referenceTarget = reference.Target;
        using var fusedNetwork = fused.Network;
        using var fusedTarget = fused.Target;

        AssertClose(referenceNetwork.parameters().Select(p => p.grad!), fusedNetwork.parameters().Select(p => p.grad!), C51Tolerance, "gradient");
        AssertClose(referenceNetwork.parameters(), fusedNetwork.parameters(), C51Tolerance, "weight");
        using var moved = (referenceNetwork.parameters().First() - referenceTarget.parameters().First()).abs().max();
        Assert.IsGreaterThan(1e-3f, moved.item<float>(), "the networks learned since the last target update");
    }

    [TestMethod]
    public void AutoPicksTheReferencePathForComponentsTheFusedPathLacks()
    {
        Assert.AreEqual(UpdatePath.Fused, DqnUpdates.Resolve(new DqnConfig { Distributional = Distributional.C51 }, DeviceType.CPU));
        Assert.AreEqual(UpdatePath.Reference, DqnUpdates.Resolve(new DqnConfig { Dueling = true }, DeviceType.CPU));
        Assert.AreEqual(UpdatePath.Reference, DqnUpdates.Resolve(new DqnConfig { Noisy = true }, DeviceType.CPU));
        Assert.IsNull(DqnUpdates.AutoChoiceNotice(new DqnConfig { Distributional = Distributional.C51 }));
        StringAssert.Contains(DqnUpdates.AutoChoiceNotice(new DqnConfig { Dueling = true, Noisy = true }), "dueling = true, noisy = true is not covered by the fused path");
        // The Nature CNN takes the fused path on the CPU too, so leaving it is worth a notice there as well.
        var cnnWithDuelingHead = new DqnConfig { Network = NetworkKind.NatureCnn, Dueling = true };
        Assert.AreEqual(UpdatePath.Reference, DqnUpdates.Resolve(cnnWithDuelingHead, DeviceType.CPU));
        StringAssert.Contains(DqnUpdates.AutoChoiceNotice(cnnWithDuelingHead), "the reference update path runs (dueling = true is not covered by the fused path)");
        StringAssert.Contains(DqnUpdates.AutoChoiceNotice(new DqnConfig { Network = NetworkKind.NatureCnn, Distributional = Distributional.C51 }),
            "distributional = c51 with network = nature_cnn is not covered by the fused path");

        var explicitFused = new DqnConfig { UpdatePath = UpdatePath.Fused, Noisy = true };
        var problem = explicitFused.Problems().Single();
        StringAssert.Contains(problem, "update_path = fused covers plain DQN only; noisy = true needs update_path=reference");
    }

    [TestMethod]
    public void AutoPicksTheFusedPathOnTheCpuOnly()
    {
        Assert.AreEqual(UpdatePath.Fused, DqnUpdates.Resolve(UpdatePath.Auto, DeviceType.CPU));
        Assert.AreEqual(UpdatePath.Fused, DqnUpdates.Resolve(UpdatePath.Auto, DeviceType.CPU));
        Assert.AreEqual(UpdatePath.Reference, DqnUpdates.Resolve(UpdatePath.Auto, DeviceType.CUDA));
        Assert.AreEqual(UpdatePath.Reference, DqnUpdates.Resolve(UpdatePath.Auto, DeviceType.CUDA));
        Assert.AreEqual(UpdatePath.Reference, DqnUpdates.Resolve(UpdatePath.Reference, DeviceType.CPU));
        Assert.AreEqual(UpdatePath.Fused, DqnUpdates.Resolve(UpdatePath.Fused, DeviceType.CPU));
    }


    /// <summary>
    /// Two updates (<paramref name="makeExpected"/>, <paramref name="makeActual"/>) from the same initial weights, stepped
    /// over the same <see cref="Updates"/> random batches with a target update every 50 (from update 25), comparing their statistics at
    /// each step; returns both networks and their targets (the caller disposes them).
    /// </summary>
    private static ((QNetwork Network, QNetwork Target) Expected, (QNetwork Network, QNetwork Target) Actual) SideBySide(
        DqnConfig config, long torchSeed, int batchSeed, bool prioritized,
        Func<QNetwork, QNetwork, IDqnUpdate> makeExpected, Func<QNetwork, QNetwork, IDqnUpdate> makeActual,
        Action<int, UpdateStatistics, UpdateStatistics> compare)
    {
        set_num_threads(1);
        random.manual_seed(torchSeed);
        var expectedQ = QNetwork.Mlp(4, 2, [120, 84], QHead.Of(config));
        var expectedTarget = expectedQ.CreateSibling();
        var actualQ = expectedQ.CreateSibling();
        var actualTarget = expectedQ.CreateSibling();
        CopyWeights(expectedQ, actualQ);
        using var expected = makeExpected(expectedQ, expectedTarget);
        using var actual = makeActual(actualQ, actualTarget);
        using var batch = new DqnBatch(config.BatchSize, [4], ScalarType.Float32, prioritized);
        var rng = new SeededRandom(batchSeed);
        expected.UpdateTarget(1.0);
        actual.UpdateTarget(1.0);
        for (int update = 0; update < Updates; update++)
        {
            FillBatch(batch, rng);
            var expectedStatistics = expected.Step(batch, withStatistics: true);
            float[] expectedErrors = (float[])batch.TdErrors.Clone();
            compare(update, expectedStatistics, actual.Step(batch, withStatistics: true));
            if (prioritized)
            {
                // Both paths write the same |TD errors| back as priorities.
                for (int row = 0; row < batch.Size; row++)
                {
                    Assert.AreEqual(expectedErrors[row], batch.TdErrors[row], Tolerance * Math.Max(1f, expectedErrors[row]), $"|TD error| of row {row} at update {update}");
                }
                Assert.IsTrue(expectedErrors.Any(e => e > 0.01f), "TD errors are written");
            }
            if (update % 50 == 25)
            {
                expected.UpdateTarget(1.0);
                actual.UpdateTarget(1.0);
            }
        }
        return ((expectedQ, expectedTarget), (actualQ, actualTarget));
    }

    /// <summary>
    /// Random observations, actions, rewards and about one done in eight, written as the replay buffer writes them; the
    /// discount is gamma, or for a prioritized batch gamma^k with k from 1 to 3 and an importance weight in [0.2, 1].
    /// </summary>
    private static void FillBatch(DqnBatch batch, SeededRandom random)
    {
        var view = batch.View;
        var observations = MemoryMarshal.Cast<byte, float>(view.Observations);
        var nextObservations = MemoryMarshal.Cast<byte, float>(view.NextObservations);
        for (int i = 0; i < observations.Length; i++)
        {
            observations[i] = (float)(random.NextDouble() * 4 - 2);
            nextObservations[i] = (float)(random.NextDouble() * 4 - 2);
        }
        for (int row = 0; row < batch.Size; row++)
        {
            view.Actions[row] = random.Next(2);
            view.Rewards[row] = (float)(random.NextDouble() * 2 - 1);
            view.Dones[row] = random.Next(8) == 0 ? 1f : 0f;
            view.Discounts[row] = batch.Prioritized ? (float)Math.Pow(0.99, 1 + random.Next(3)) : 0.99f;
            view.Weights[row] = batch.Prioritized ? (float)(0.2 + 0.8 * random.NextDouble()) : 1f;
        }
    }

    private static void CopyWeights(QNetwork from, QNetwork to)
    {
        using var noGrad = no_grad();
        foreach (var (source, destination) in from.parameters().Zip(to.parameters()))
        {
            destination.copy_(source);
        }
    }

    private static void AssertClose(IEnumerable<Tensor> expected, IEnumerable<Tensor> actual, float tolerance, string what)
    {
        foreach (var (e, a) in expected.Zip(actual))
        {
            using var difference = (e - a).abs().max();
            Assert.IsLessThanOrEqualTo(tolerance, difference.item<float>(), $"largest {what} difference");
        }
    }
}
