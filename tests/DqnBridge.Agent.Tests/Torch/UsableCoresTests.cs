using DqnBridge.Agent.Torch;

namespace DqnBridge.Agent.Tests.Torch;

/// <summary>torch_threads: auto's count: the affinity mask and the cgroup CPU quota, as the kernel reports them.</summary>
[TestClass]
public sealed class UsableCoresTests
{
    [TestMethod]
    [DataRow(4, null, 4, DisplayName = "no quota: the affinity mask")]
    [DataRow(4, 1.5, 2, DisplayName = "a fractional quota rounds up")]
    [DataRow(2, 8.0, 2, DisplayName = "a quota above the mask: the mask")]
    [DataRow(8, 0.5, 1, DisplayName = "half a CPU: one thread")]
    public void CountIsTheAffinityMaskCappedByTheQuotaRoundedUp(int affinity, double? quota, int expected)
    {
        var cores = new UsableCores(affinity, quota, MachineCpus: 64);

        Assert.AreEqual(expected, cores.Count);
    }

    [TestMethod]
    public void WithoutAnAffinityMaskTheRuntimesCountIsUsed()
    {
        Assert.AreEqual(3, new UsableCores(null, null, MachineCpus: 3).Count);
        StringAssert.Contains(new UsableCores(null, 2.5, 3).Explanation, "cgroup quota 2.5 CPUs");
    }

    [TestMethod]
    public void TheFilesFormatsAreRead()
    {
        Assert.IsNull(UsableCores.ParseCpuMax("max 100000\n"));
        Assert.AreEqual(1.5, UsableCores.ParseCpuMax("150000 100000\n"));
        Assert.IsNull(UsableCores.ParseV1Quota("-1\n", "100000\n"));
        Assert.AreEqual(2.0, UsableCores.ParseV1Quota("200000\n", "100000\n"));

        var (v2, v1) = UsableCores.ParseProcCgroup("12:cpu,cpuacct:/docker/abc\n4:memory:/x\n0::/user.slice/job\n");
        Assert.AreEqual("/user.slice/job", v2);
        Assert.AreEqual("/docker/abc", v1);
    }

    [TestMethod]
    public void TheSmallestQuotaOnTheCgroupsPathWins()
    {
        string root = Path.Combine(Path.GetTempPath(), "dqnbridge-cgroup-" + Guid.NewGuid().ToString("N"));
        try
        {
            // root (no quota) / slice (3 CPUs) / job (6 CPUs): the kernel enforces the slice's 3 on the job too.
            Directory.CreateDirectory(Path.Combine(root, "slice", "job"));
            File.WriteAllText(Path.Combine(root, "cpu.max"), "max 100000\n");
            File.WriteAllText(Path.Combine(root, "slice", "cpu.max"), "300000 100000\n");
            File.WriteAllText(Path.Combine(root, "slice", "job", "cpu.max"), "600000 100000\n");

            Assert.AreEqual(3.0, UsableCores.ReadQuota(root, null, "/slice/job", null));
            Assert.IsNull(UsableCores.ReadQuota(root, null, "/", null), "the root has no quota");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void ThisProcessMayUseAtLeastOneCoreAndNoMoreThanTheMachineHas()
    {
        var cores = UsableCores.OfThisProcess();

        Assert.IsGreaterThanOrEqualTo(1, cores.Count);
        Assert.IsLessThanOrEqualTo(Math.Max(Environment.ProcessorCount, cores.AffinityCpus ?? 0), cores.Count);
    }
}
