using DqnBridge.Agent.FastPath;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Updates;
using TorchSharp;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.FastPath;

/// <summary>The fused update's hand-written TD target and loss gradient: the values by hand, the gradient autograd's bit for bit.</summary>
[TestClass]
public sealed class TdKernelTests
{
    /// <summary>The kernel's TD targets for one-input networks, from the networks' own Q(s', .) as the fused update passes them.</summary>
    private static float[] TdTargets(QNetwork q, QNetwork target, float[] next, float[] rewards, float[] discounts, bool doubleDqn)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var nextObservations = tensor(next).reshape(next.Length, 1);
        float[] nextQ = target.forward(nextObservations).data<float>().ToArray();
        float[] chooser = doubleDqn ? q.forward(nextObservations).data<float>().ToArray() : nextQ;
        var targets = new float[rewards.Length];
        TdKernels.TdTarget(nextQ, chooser, rewards, discounts, targets);
        return targets;
    }

    [TestMethod]
    public void TdTargetAndLossMatchHandComputation()
    {
        using var q = TestNetworks.Linear(1, -1, 0, 0);
        using var target = TestNetworks.Linear(2, 3, 0.5f, 0);
        var targetValues = TdTargets(q, target, next: [1f, -2f], rewards: [1f, 0.5f], discounts: [0.99f, 0f], doubleDqn: false); // second transition terminated
        // Row 0: target Q = [2.5, 3], max 3 -> 1 + 0.99 * 3. Row 1: terminal -> 0.5.
        Assert.AreEqual(1 + 0.99f * 3, targetValues[0], 1e-6);
        Assert.AreEqual(0.5f, targetValues[1], 1e-6);

        // Q(s, .) for two actions; the batch took actions 1 and 0, so the predicted values are 2 and 1.
        float[] qValues = [5f, 2f, 1f, -4f];
        long[] actions = [1, 0];
        var gradient = new float[4];
        float mse = TdKernels.LossGradient(qValues, targetValues, actions, LossKind.Mse, gradient);
        float expectedMse = (MathF.Pow(2 - targetValues[0], 2) + MathF.Pow(1 - 0.5f, 2)) / 2;
        Assert.AreEqual(expectedMse, mse, 1e-5);
        AssertGradientMatchesAutograd(qValues, targetValues, actions, gradient, LossKind.Mse);
        float huber = TdKernels.LossGradient(qValues, targetValues, actions, LossKind.Huber, gradient);
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
        using var q = TestNetworks.Linear(1, -1, 0, 0);
        using var target = TestNetworks.Linear(2, 3, 0.5f, 0);
        Assert.AreEqual(3f, TdTargets(q, target, next: [1f], rewards: [0f], discounts: [1f], doubleDqn: false).Single(), 1e-6);
        Assert.AreEqual(2.5f, TdTargets(q, target, next: [1f], rewards: [0f], discounts: [1f], doubleDqn: true).Single(), 1e-6);
    }
}
