using DqnBridge.Envs;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests;

[TestClass]
public sealed class ScheduleAndUpdateTests
{
    [TestMethod]
    public void LinearEpsilonFollowsCleanRl()
    {
        var config = new DqnConfig { StartE = 1, EndE = 0.05, ExplorationFraction = 0.5, TotalTimesteps = 1000 };
        Assert.AreEqual(1.0, EpsilonSchedules.At(config, 0), 1e-12);
        Assert.AreEqual(1.0 - 0.95 * 250 / 500, EpsilonSchedules.At(config, 250), 1e-12);
        Assert.AreEqual(0.05, EpsilonSchedules.At(config, 500), 1e-12);
        Assert.AreEqual(0.05, EpsilonSchedules.At(config, 999), 1e-12);
    }

    [TestMethod]
    public void ExponentialEpsilonDecaysTowardsEndE()
    {
        var config = new DqnConfig { StartE = 0.9, EndE = 0.05, EpsilonSchedule = EpsilonSchedule.Exponential, EpsilonDecaySteps = 1000 };
        Assert.AreEqual(0.9, EpsilonSchedules.At(config, 0), 1e-12);
        Assert.AreEqual(0.05 + 0.85 * Math.Exp(-1), EpsilonSchedules.At(config, 1000), 1e-12);
        Assert.IsLessThan(0.0501, EpsilonSchedules.At(config, 20_000));
    }

    [TestMethod]
    public void ValidateNamesTheBadKey()
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { Tau = 0 }.Validate());
        StringAssert.Contains(error.Message, "tau");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new DqnConfig { ClipGradValue = -1 }.Validate()).Message, "clip_grad_value");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(
            () => new DqnConfig { UpdatePath = UpdatePath.Fused, Device = DeviceChoice.Cuda }.Validate()).Message, "update_path");
        var atari = DqnConfig.CleanRlAtari();
        atari.Validate();
        Assert.AreEqual(80_000, atari.LearningStarts);
        Assert.AreEqual(NetworkKind.NatureCnn, atari.Network);
    }

    /// <summary>A 1-input, 2-action linear net: Q(x) = [w0 * x + b0, w1 * x + b1].</summary>
    private static QNetwork Linear(float w0, float w1, float b0, float b1)
    {
        var network = QNetwork.Mlp(1, 2, []);
        using var noGrad = no_grad();
        var layer = network.LinearLayers()[0];
        layer.weight!.copy_(tensor(new[] { w0, w1 }).reshape(2, 1));
        layer.bias!.copy_(tensor(new[] { b0, b1 }));
        return network;
    }

    [TestMethod]
    public void TdTargetAndLossMatchHandComputation()
    {
        using var q = Linear(1, -1, 0, 0);
        using var target = Linear(2, 3, 0.5f, 0);
        using var scope = NewDisposeScope();
        var next = tensor(new[] { 1f, -2f }).reshape(2, 1);
        var rewards = tensor(new[] { 1f, 0.5f });
        var discounts = tensor(new[] { 0.99f, 0f }); // second transition terminated
        var targetValues = FusedCpuUpdate.TdTarget(q, target, next, rewards, discounts, doubleDqn: false).data<float>().ToArray();
        // Row 0: target Q = [2.5, 3], max 3 -> 1 + 0.99 * 3. Row 1: terminal -> 0.5.
        Assert.AreEqual(1 + 0.99f * 3, targetValues[0], 1e-6);
        Assert.AreEqual(0.5f, targetValues[1], 1e-6);

        // Q(s, .) for two actions; the batch took actions 1 and 0, so the predicted values are 2 and 1.
        float[] qValues = [5f, 2f, 1f, -4f];
        long[] actions = [1, 0];
        var gradient = new float[4];
        float mse = FusedCpuUpdate.LossGradient(qValues, targetValues, actions, LossKind.Mse, gradient);
        float expectedMse = (MathF.Pow(2 - targetValues[0], 2) + MathF.Pow(1 - 0.5f, 2)) / 2;
        Assert.AreEqual(expectedMse, mse, 1e-5);
        AssertGradientMatchesAutograd(qValues, targetValues, actions, gradient, LossKind.Mse);
        float huber = FusedCpuUpdate.LossGradient(qValues, targetValues, actions, LossKind.Huber, gradient);
        float expectedHuber = ((Math.Abs(2 - targetValues[0]) - 0.5f) + 0.5f * 0.25f) / 2;
        Assert.AreEqual(expectedHuber, huber, 1e-5);
        AssertGradientMatchesAutograd(qValues, targetValues, actions, gradient, LossKind.Huber);
    }

    /// <summary>The hand-written loss gradient is exactly what gather + mse_loss / smooth_l1_loss give through autograd.</summary>
    private static void AssertGradientMatchesAutograd(float[] qValues, float[] targets, long[] actions, float[] gradient, LossKind kind)
    {
        using var scope = NewDisposeScope();
        var q = tensor(qValues).reshape(targets.Length, qValues.Length / targets.Length).requires_grad_();
        var taken = q.gather(1, tensor(actions).reshape(actions.Length, 1)).squeeze(1);
        var loss = kind == LossKind.Mse ? nn.functional.mse_loss(taken, tensor(targets)) : nn.functional.smooth_l1_loss(taken, tensor(targets));
        loss.backward();
        CollectionAssert.AreEqual(q.grad!.data<float>().ToArray(), gradient, $"{kind} gradient");
    }

    [TestMethod]
    public void DoubleDqnLetsTheOnlineNetworkChooseTheAction()
    {
        // Online net prefers action 0 at x = 1; the target net values action 0 at 2.5 and action 1 at 3.
        using var q = Linear(1, -1, 0, 0);
        using var target = Linear(2, 3, 0.5f, 0);
        using var scope = NewDisposeScope();
        var next = tensor(new[] { 1f }).reshape(1, 1);
        var rewards = tensor(new[] { 0f });
        var discounts = tensor(new[] { 1f });
        Assert.AreEqual(3f, FusedCpuUpdate.TdTarget(q, target, next, rewards, discounts, doubleDqn: false).item<float>(), 1e-6);
        Assert.AreEqual(2.5f, FusedCpuUpdate.TdTarget(q, target, next, rewards, discounts, doubleDqn: true).item<float>(), 1e-6);
    }

    [TestMethod]
    [DataRow(UpdatePath.Reference)]
    [DataRow(UpdatePath.Fused)]
    public void HardUpdateCopiesAndSoftUpdateBlends(UpdatePath path)
    {
        using var q = Linear(1, 2, 3, 4);
        using var target = Linear(0, 0, 0, 0);
        using var update = path == UpdatePath.Fused
            ? (IDqnUpdate)new FusedCpuUpdate(new DqnConfig(), q, target)
            : new ReferenceUpdate(new DqnConfig(), q, target, CPU);
        update.UpdateTarget(tau: 0.25);
        CollectionAssert.AreEqual(new[] { 0.25f, 0.5f }, target.LinearLayers()[0].weight!.data<float>().ToArray());
        CollectionAssert.AreEqual(new[] { 0.75f, 1f }, target.LinearLayers()[0].bias!.data<float>().ToArray());
        update.UpdateTarget(tau: 1.0);
        CollectionAssert.AreEqual(new[] { 1f, 2f }, target.LinearLayers()[0].weight!.data<float>().ToArray());
        CollectionAssert.AreEqual(new[] { 3f, 4f }, target.LinearLayers()[0].bias!.data<float>().ToArray());
    }

    [TestMethod]
    public void ManagedGreedyPolicyAgreesWithTheNetwork()
    {
        random.manual_seed(7);
        using var network = QNetwork.Mlp(4, 3, [16, 8]);
        using var policy = new GreedyPolicy(network, DqnBridge.Envs.ElementType.Float32);
        var rng = new SeededRandom(2);
        for (int i = 0; i < 200; i++)
        {
            float[] x = Enumerable.Range(0, 4).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            long expected = network.forward(tensor(x).reshape(1, 4)).argmax(1).item<long>();
            Assert.AreEqual(expected, policy.Act(System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.AsSpan())));
        }
    }

    [TestMethod]
    [DataRow(OptimizerKind.Adam)]
    [DataRow(OptimizerKind.AdamW)]
    [DataRow(OptimizerKind.RMSprop)]
    public void FlatOptimizerStepsLikeTorchOptim(OptimizerKind kind)
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
