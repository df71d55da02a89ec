using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Replay;
using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Updates;

/// <summary>
/// What torch_threads: auto relies on: the same seed and the same libtorch thread count give the same Nature-CNN
/// updates bit for bit, with two threads as with one (libtorch splits work among a fixed count of threads in a fixed way).
/// </summary>
[TestClass]
public sealed class CnnThreadCountTests
{
    private const int ActionCount = 5;
    private const int BatchSize = 8;
    private const int Updates = 3;

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    public void TheSameThreadCountGivesTheSameWeights(int threads)
    {
        int before = get_num_threads();
        set_num_threads(threads);
        try
        {
            float[] first = TrainedWeights();
            float[] second = TrainedWeights();

            CollectionAssert.AreEqual(first, second, $"two runs with {threads} libtorch threads");
            Assert.IsTrue(first.Any(w => w != 0f));
        }
        finally
        {
            set_num_threads(before);
        }
    }

    /// <summary>A few reference updates (CleanRL's Atari settings) from a fixed seed; all the online weights after them.</summary>
    private static float[] TrainedWeights()
    {
        var config = DqnConfig.CleanRlAtari();
        config.UpdatePath = UpdatePath.Reference;
        random.manual_seed(7);
        using var qNetwork = QNetwork.NatureCnn([4, 84, 84], ActionCount);
        using var targetNetwork = qNetwork.CreateSibling();
        using var update = new ReferenceUpdate(config, qNetwork, targetNetwork, CPU);
        update.UpdateTarget(1.0);
        using var batch = new DqnBatch(BatchSize, [4, 84, 84], ScalarType.Byte);
        var generator = new Random(11);
        for (int u = 0; u < Updates; u++)
        {
            var view = batch.View;
            generator.NextBytes(view.Observations);
            generator.NextBytes(view.NextObservations);
            for (int i = 0; i < BatchSize; i++)
            {
                view.Actions[i] = generator.Next(ActionCount);
                view.Rewards[i] = (float)generator.NextDouble();
                view.Dones[i] = generator.NextDouble() < 0.1 ? 1f : 0f;
            }
            ((IDqnUpdate)update).Step(batch, withStatistics: false);
        }
        using var scope = NewDisposeScope();
        return cat(qNetwork.parameters().Select(p => p.detach().flatten()).ToArray()).data<float>().ToArray();
    }
}
