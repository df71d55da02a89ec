using DqnBridge.Cli.Commands;

namespace DqnBridge.Cli.Tests;

[TestClass]
public sealed class PythonProbeTests
{
    [TestMethod]
    public void MissingPythonIsExplained()
    {
        var status = PythonProbe.Gymnasium("/no/such/python3");

        Assert.IsFalse(status.Available);
        StringAssert.Contains(status.Detail, "no Python found at '/no/such/python3'");
        StringAssert.Contains(status.Detail, "DQNBRIDGE_PYTHON");
    }

    [TestMethod]
    public void PythonWithoutGymnasiumSaysHowToInstallIt()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
            Assert.Inconclusive($"{python} is not installed");

        var status = PythonProbe.Gymnasium(python);

        if (status.Available)
            StringAssert.Contains(status.Detail, "Gymnasium");
        else
            StringAssert.Contains(status.Detail, "pip install gymnasium");
    }

    [TestMethod]
    public void EnvsCommandListsBuiltInsAndExplainsAMissingPython()
    {
        var run = CliRun.Invoke(AgentBackend.OnEnvironmentLayer(_ => { }), "envs", "--python", "/no/such/python3");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "gymnasium");
        StringAssert.Contains(run.Output, "no Python found");
        StringAssert.Contains(run.Output, "CartPole-v1");
        StringAssert.Contains(run.Output, "MountainCar-v0");
    }
}
