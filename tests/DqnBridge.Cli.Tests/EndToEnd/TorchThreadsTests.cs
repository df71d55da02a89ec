using DqnBridge.Agent.Torch;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// The real dqnbridge executable says at start how many libtorch threads it uses and how their OpenMP runtime waits:
/// OMP_WAIT_POLICY=PASSIVE, set by us before libtorch loaded, unless the user chose a wait policy; and whether its
/// training thread flushes subnormal floats to zero (the default) or keeps them (DQNBRIDGE_SUBNORMALS=keep).
/// </summary>
[TestClass]
public sealed class TorchThreadsTests : TempRunsFolderTestBase
{
    private string[] TinyRun(string runName, params string[] overrides) =>
    [
        "train", "--env", "CartPole-v1", "backend=native", "total_timesteps=300", "learning_starts=100",
        "checkpoint_frequency=0", "tensorboard=false", RunsDir, "--run-name", runName, .. overrides,
    ];

    private static Dictionary<string, string?> Environment(string? waitPolicy, string? spinCount, string? subnormals = null) =>
        new(CliProcess.WithoutPython) { ["OMP_WAIT_POLICY"] = waitPolicy, ["GOMP_SPINCOUNT"] = spinCount, [TorchRuntime.SubnormalsVariable] = subnormals };

    [TestMethod]
    public void AutoIsTheDefaultAndOpenMpWaitsPassively()
    {
        var run = CliProcess.Run(Environment(null, null), TinyRun("auto"));

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        // CartPole's MLP: one thread. Not "loaded before": the setting reached the native environment before libtorch's OpenMP read it.
        StringAssert.Contains(run.Output, "libtorch threads: 1 (torch_threads: auto, one for an MLP; OpenMP OMP_WAIT_POLICY=PASSIVE; subnormals flushed to zero)");
    }

    [TestMethod]
    public void ACountAndTheUsersOwnWaitPolicyAreKept()
    {
        var active = CliProcess.Run(Environment("ACTIVE", null), TinyRun("active", "torch_threads=1"));
        var spinning = CliProcess.Run(Environment(null, "300000"), TinyRun("spinning", "torch_threads=2"));

        Assert.AreEqual(ExitCodes.Ok, active.ExitCode, active.All);
        StringAssert.Contains(active.Output, "libtorch threads: 1 (torch_threads: 1; OpenMP OMP_WAIT_POLICY=ACTIVE (yours); subnormals flushed to zero)");
        Assert.AreEqual(ExitCodes.Ok, spinning.ExitCode, spinning.All);
        StringAssert.Contains(spinning.Output, "libtorch threads: 2 (torch_threads: 2; OpenMP GOMP_SPINCOUNT=300000 (yours); subnormals flushed to zero)");
    }

    [TestMethod]
    public void SubnormalsAreKeptWhenTheUserAsks()
    {
        var run = CliProcess.Run(Environment(null, null, "keep"), TinyRun("keep", "torch_threads=1"));

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "libtorch threads: 1 (torch_threads: 1; OpenMP OMP_WAIT_POLICY=PASSIVE; subnormals kept (DQNBRIDGE_SUBNORMALS=keep))");
    }
}
