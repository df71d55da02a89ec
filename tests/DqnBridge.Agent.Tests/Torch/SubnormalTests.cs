using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.Intrinsics.X86;
using DqnBridge.Agent.FastPath;
using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Torch;
using DqnBridge.Agent.Updates;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Torch;

/// <summary>
/// Training threads flush subnormal floats to zero (TorchRuntime.FlushSubnormals, torch.set_flush_denormal(True)):
/// what that does to arithmetic on the thread and on the threads it starts, and what it does to training. Each test
/// sets the floating-point mode of threads of its own only, so other tests never see it.
/// </summary>
[TestClass]
public sealed class SubnormalTests
{
    private const float Subnormal = 1e-39f; // below the smallest normal float, 2^-126 (about 1.18e-38)

    [TestInitialize]
    public void OnlyWhereTheCpuCanFlush()
    {
        if (!Sse3.IsSupported)
        {
            Assert.Inconclusive("Flushing subnormals is an x86-64 feature (the MXCSR's FTZ and DAZ bits).");
        }
    }

    [TestMethod]
    public void AFlushingThreadAndTheThreadsItStartsTurnSubnormalsIntoZero()
    {
        var seen = OnNewThread(() =>
        {
            // A new thread inherits its creator's mode, and a trainer built by another test may have set it on that thread.
            TorchRuntime.TrySetFlushSubnormals(false);
            var before = (Managed: Times(Subnormal, 1f), Torch: TorchTimesOne(Subnormal));
            bool flushing = TorchRuntime.TrySetFlushSubnormals(true);
            var during = (Input: Times(Subnormal, 1f), Result: Times(1e-20f, 1e-20f), Torch: TorchTimesOne(Subnormal));
            float startedWhileFlushing = OnNewThread(() => Times(Subnormal, 1f));
            TorchRuntime.TrySetFlushSubnormals(false);
            float after = Times(Subnormal, 1f);
            float startedAfter = OnNewThread(() => Times(Subnormal, 1f));
            return (before, flushing, during, startedWhileFlushing, after, startedAfter);
        });

        Assert.AreEqual(Subnormal, seen.before.Managed, "IEEE arithmetic keeps a subnormal");
        Assert.AreEqual(Subnormal, seen.before.Torch);
        Assert.IsTrue(seen.flushing, "libtorch's setFlushDenormal took effect");
        Assert.AreEqual(0f, seen.during.Input, "a subnormal input counts as zero (DAZ), in managed code too");
        Assert.AreEqual(0f, seen.during.Result, "a subnormal result becomes zero (FTZ): 1e-20 * 1e-20");
        Assert.AreEqual(0f, seen.during.Torch, "and in libtorch's kernels");
        Assert.AreEqual(0f, seen.startedWhileFlushing, "a thread started by a flushing thread inherits the mode (as libtorch's OpenMP threads do)");
        Assert.AreEqual(Subnormal, seen.after, "turned off again");
        Assert.AreEqual(Subnormal, seen.startedAfter);
    }

    [TestMethod]
    public void TheEnvironmentVariableKeepsSubnormalsAndTheStartUpLineSaysSo()
    {
        Assert.AreEqual((true, "subnormals flushed to zero"), TorchRuntime.SubnormalPolicy(null));
        Assert.AreEqual((true, "subnormals flushed to zero"), TorchRuntime.SubnormalPolicy("flush"));
        Assert.AreEqual((false, "subnormals kept (DQNBRIDGE_SUBNORMALS=keep)"), TorchRuntime.SubnormalPolicy("keep"));
        Assert.AreEqual((true, "subnormals flushed to zero (DQNBRIDGE_SUBNORMALS=off is neither flush nor keep)"), TorchRuntime.SubnormalPolicy("off"));
        StringAssert.Contains(TorchRuntime.ResolveThreads(1, NetworkKind.Mlp).Description, "; subnormals ");
    }

    [TestMethod]
    public void FlushingChangesNoWeightOnlyTheTiniestFirstMoments()
    {
        var kept = OnNewThread(() => Train(flush: false));
        var flushed = OnNewThread(() => Train(flush: true));

        Assert.IsGreaterThan(0, kept.Moments.Count(float.IsSubnormal), "premise: the first moments of weights that stopped getting gradients decayed into the subnormal range");
        Assert.AreEqual(0, flushed.Moments.Count(float.IsSubnormal));
        CollectionAssert.AreEqual(kept.Weights, flushed.Weights, "the weights are equal bit for bit");
        Assert.HasCount(kept.Moments.Length, flushed.Moments);
        int differing = 0;
        for (int i = 0; i < kept.Moments.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(kept.Moments[i]) != BitConverter.SingleToInt32Bits(flushed.Moments[i]))
            {
                differing++;
                // The flat Adam takes m += (g - m)(1 - beta1): once (g - m)(1 - beta1) underflows, a flushed m stops
                // shrinking just above the subnormal range (below 2^-126 / (1 - beta1), about 1.2e-37) instead of going on.
                Assert.IsTrue(Math.Abs(kept.Moments[i]) < TiniestMoment && Math.Abs(flushed.Moments[i]) < TiniestMoment,
                    $"first moment {i}: {kept.Moments[i]:R} kept, {flushed.Moments[i]:R} flushed; both should be below {TiniestMoment}");
            }
        }
        Assert.IsGreaterThan(0, differing, "the premise shows: some first moments differ");
    }

    private const float TiniestMoment = 1.2e-37f;

    /// <summary>
    /// 20 Adam steps on random inputs, then 820 on zero inputs, which give the first layer's weights no gradient: their
    /// first moments shrink by about 0.9 a step, from 1e-4..1e-1 into the subnormal range (0.9^820 is about 3e-38).
    /// </summary>
    private static (float[] Weights, float[] Moments) Train(bool flush)
    {
        // Set either way: a new thread inherits its creator's mode (see the first test).
        Assert.AreEqual(flush, TorchRuntime.TrySetFlushSubnormals(flush));
        random.manual_seed(7);
        using var network = QNetwork.Mlp(4, 2, [16]);
        var (values, gradients) = network.Flatten();
        using var optimizer = new FlatOptimizer(OptimizerKind.Adam, 1e-3, values, gradients);
        using var inputs = randn(32, 4);
        using var silent = zeros(32, 4);
        using var targets = randn(32, 2);
        for (int step = 0; step < 840; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            nn.functional.mse_loss(network.forward(step < 20 ? inputs : silent), targets).backward();
            optimizer.Step();
        }
        return (values.data<float>().ToArray(), optimizer.FirstMoment());
    }

    // Not inlined, so the JIT cannot fold the product at compile time: it runs on the thread, under its mode.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Times(float a, float b) => a * b;

    private static float TorchTimesOne(float value)
    {
        using var x = tensor(new[] { value });
        using var one = tensor(new[] { 1f });
        using var product = x.mul(one);
        return product.item<float>();
    }

    private static T OnNewThread<T>(Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}
