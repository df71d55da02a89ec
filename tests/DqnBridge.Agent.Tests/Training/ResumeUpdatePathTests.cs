using DqnBridge.Agent.Networks;
using DqnBridge.Agent.Training;
using DqnBridge.Agent.Updates;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Training;

/// <summary>
/// update_path = auto picks the fused path for a CNN on the CPU; a checkpoint whose optimizer state the reference path
/// wrote (a CNN run saved when auto chose the reference path) resumes on the reference path, so it can be read and the
/// resumed run continues the same update.
/// </summary>
[TestClass]
public sealed class ResumeUpdatePathTests
{
    [TestMethod]
    public void AutoResumesOnThePathThatWroteTheOptimizerState()
    {
        var config = DqnConfig.CleanRlAtari();
        random.manual_seed(1);
        using var q = QNetwork.NatureCnn([4, 84, 84], 5);
        using var target = q.CreateSibling();
        string referenceFile = Path.GetTempFileName();
        string fusedFile = Path.GetTempFileName();
        try
        {
            using (var reference = new ReferenceUpdate(config, q, target, CPU))
            using (var writer = new BinaryWriter(File.Create(referenceFile)))
            {
                reference.SaveOptimizer(writer);
            }
            using (var fused = new FusedCpuUpdate(config, q, target))
            using (var writer = new BinaryWriter(File.Create(fusedFile)))
            {
                fused.SaveOptimizer(writer);
            }

            Assert.AreEqual(UpdatePath.Reference, DqnTrainer.WithPathOfSavedOptimizer(config, referenceFile).UpdatePath);
            Assert.AreEqual(UpdatePath.Auto, config.UpdatePath, "the run's own config is left as it is");
            Assert.AreSame(config, DqnTrainer.WithPathOfSavedOptimizer(config, fusedFile), "auto with the fused path's state stays auto (fused)");
            var fusedConfig = config.Clone();
            fusedConfig.UpdatePath = UpdatePath.Fused;
            Assert.AreSame(fusedConfig, DqnTrainer.WithPathOfSavedOptimizer(fusedConfig, referenceFile), "an explicit path is never changed");
        }
        finally
        {
            File.Delete(referenceFile);
            File.Delete(fusedFile);
        }
    }
}
