using DqnBridge.Agent.Checkpoints;
using DqnBridge.Agent.Tests.Training;
using DqnBridge.Agent.Training;
using DqnBridge.Envs.Native;

namespace DqnBridge.Agent.Tests.Checkpoints;

/// <summary>A checkpoint is verified before use (manifest, sizes, SHA-256) and runs only on the environments it was made for.</summary>
[TestClass]
public sealed class CheckpointTests
{
    public TestContext TestContext { get; set; } = null!;

    private readonly TempFolder _root = new("dqn-checkpoint-tests-");

    [TestCleanup]
    public void DeleteRoot() => _root.Dispose();

    private string WriteCheckpoint()
    {
        using var envs = new WalkVectorEnv(2);
        using var trainer = new DqnTrainer(DqnTrainerTests.WalkConfig(300), envs, _root["ckpt"]);
        return trainer.Train(TestContext.CancellationToken).CheckpointPath;
    }

    /// <summary>Resuming <paramref name="path"/> on <paramref name="numEnvs"/> walkers fails with a message naming <paramref name="expected"/> and changes no file.</summary>
    private static void AssertResumeRejectsAndLeavesAlone(string path, int numEnvs, string expected)
    {
        var before = Snapshot(path);
        using var envs = new WalkVectorEnv(numEnvs);
        var error = Assert.ThrowsExactly<CheckpointException>(() => DqnTrainer.Resume(path, envs));
        StringAssert.Contains(error.Message, expected);
        var after = Snapshot(path);
        CollectionAssert.AreEquivalent(before.Keys.ToList(), after.Keys.ToList());
        foreach (var (name, bytes) in before)
        {
            CollectionAssert.AreEqual(bytes, after[name], name);
        }
    }

    private static Dictionary<string, byte[]> Snapshot(string directory) =>
        Directory.GetFiles(directory).ToDictionary(file => Path.GetFileName(file), File.ReadAllBytes);

    [TestMethod]
    public void CorruptCheckpointIsRejectedAndLeftAlone()
    {
        string path = WriteCheckpoint();
        string replay = Path.Combine(path, Checkpoint.ReplayFile);
        var bytes = File.ReadAllBytes(replay);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(replay, bytes);
        AssertResumeRejectsAndLeavesAlone(path, numEnvs: 2, "SHA-256");
    }

    [TestMethod]
    public void TruncatedCheckpointIsRejectedAndLeftAlone()
    {
        string path = WriteCheckpoint();
        string network = Path.Combine(path, Checkpoint.QNetworkFile);
        File.WriteAllBytes(network, File.ReadAllBytes(network)[..^7]);
        AssertResumeRejectsAndLeavesAlone(path, numEnvs: 2, "truncated");
    }

    [TestMethod]
    public void MismatchedCheckpointIsRejectedAndLeftAlone()
    {
        AssertResumeRejectsAndLeavesAlone(WriteCheckpoint(), numEnvs: 3, "was written for 2 x Walk-v0 with observations (");
        Assert.ThrowsExactly<CheckpointException>(() => Checkpoint.Load(_root["nowhere"]));
    }

    [TestMethod]
    public void CheckpointRefusesToRunOnAnotherEnvironment()
    {
        var checkpoint = Checkpoint.Load(WriteCheckpoint());
        using var env = NativeEnvs.Create("CartPole-v1");
        var error = Assert.ThrowsExactly<CheckpointException>(() => checkpoint.EnsureMatches(env));
        StringAssert.Contains(error.Message, "was trained on Walk-v0 with observations (");
        StringAssert.Contains(error.Message, "actions; the environment to run it on is CartPole-v1 with ");
    }
}
