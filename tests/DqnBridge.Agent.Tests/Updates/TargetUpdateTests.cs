using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Updates;

/// <summary>The target network update on both paths: a copy at tau = 1, Polyak averaging below, safe under collections.</summary>
[TestClass]
public sealed class TargetUpdateTests
{
    private const int SoftUpdates = 2000;

    [TestMethod]
    [DataRow(UpdatePath.Reference)]
    [DataRow(UpdatePath.Fused)]
    public void HardUpdateCopiesAndSoftUpdateBlends(UpdatePath path)
    {
        using var q = TestNetworks.Linear(1, 2, 3, 4);
        using var target = TestNetworks.Linear(0, 0, 0, 0);
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

    /// <summary>
    /// Soft updates while another thread forces collections and runs finalizers give the weights of a run without that
    /// thread: the soft update hands libtorch only Scalars (or tensors) it owns until the call returns, none converted
    /// implicitly and left to a finalizer that could free it mid-call.
    /// </summary>
    [TestMethod]
    [DataRow(UpdatePath.Reference)]
    [DataRow(UpdatePath.Fused)]
    public void SoftUpdatesUnderForcedCollectionsEqualAQuietRun(UpdatePath path)
    {
        float[] quiet = TargetAfterSoftUpdates(path, collectMeanwhile: false);
        float[] collected = TargetAfterSoftUpdates(path, collectMeanwhile: true);
        CollectionAssert.AreEqual(quiet, collected);
    }

    /// <summary>The target network's weights after <see cref="SoftUpdates"/> soft updates of a seeded pair of networks, tau varying from call to call.</summary>
    private static float[] TargetAfterSoftUpdates(UpdatePath path, bool collectMeanwhile)
    {
        random.manual_seed(3);
        using var q = QNetwork.Mlp(4, 2, [64, 64]);
        using var target = q.CreateSibling();
        var config = new DqnConfig { UpdatePath = path };
        using var update = path == UpdatePath.Fused ? (IDqnUpdate)new FusedCpuUpdate(config, q, target) : new ReferenceUpdate(config, q, target, CPU);

        using var stop = new CancellationTokenSource();
        using var firstCollection = new ManualResetEventSlim();
        int collections = 0;
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Interlocked.Increment(ref collections);
                firstCollection.Set();
            }
        });
        if (collectMeanwhile)
        {
            collector.Start();
            firstCollection.Wait();
        }
        try
        {
            for (int i = 0; i < SoftUpdates; i++)
            {
                update.UpdateTarget(tau: 0.001 * (1 + i % 10));
            }
        }
        finally
        {
            stop.Cancel();
            if (collectMeanwhile)
            {
                collector.Join();
            }
        }
        if (collectMeanwhile)
        {
            Assert.IsGreaterThan(0, Volatile.Read(ref collections), "collections ran while the updates did");
        }
        return target.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
    }
}
