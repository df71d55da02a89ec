using DqnBridge.Cli.Commands;

namespace DqnBridge.Cli.Tests;

/// <summary>
/// The Gymnasium status `envs` shows. Only Pythons that cannot start are used in this process (it embeds one
/// interpreter at most); a Python without Gymnasium is shown by <see cref="WithoutGymnasiumTests"/> in a child process.
/// </summary>
[TestClass]
public sealed class PythonProbeTests
{
    [TestMethod]
    public void MissingPythonIsExplained()
    {
        var status = PythonProbe.Gymnasium("/no/such/python3");

        Assert.IsFalse(status.Available);
        StringAssert.Contains(status.Detail, "tried '/no/such/python3' from the 'python' setting, but it could not be run");
        StringAssert.Contains(status.Detail, "DQNBRIDGE_PYTHON");
        StringAssert.Contains(status.Detail, "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt");
    }

    [TestMethod]
    public void EnvsCommandListsBuiltInsAndExplainsAMissingPython()
    {
        var run = CliRun.Invoke(AgentBackend.OnEnvironmentLayer(_ => { }), "envs", "--python", "/no/such/python3");

        Assert.AreEqual(ExitCodes.Ok, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "gymnasium");
        StringAssert.Contains(run.Output, "could not be run");
        StringAssert.Contains(run.Output, "CartPole-v1");
        StringAssert.Contains(run.Output, "MountainCar-v0");
    }
}
