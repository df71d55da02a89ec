namespace DqnBridge.Cli.Tests;

/// <summary>
/// The Gymnasium status `envs` shows for a Python that cannot be run. Run as a child process: this test process
/// may already embed an interpreter (one process embeds one at most), and `envs` starts the one it is given.
/// </summary>
[TestClass]
public sealed class PythonProbeTests
{
    [TestMethod]
    public void EnvsListsTheBuiltInsAndExplainsAMissingPythonWithTheSettingAndAVenvHint()
    {
        var run = CliProcess.Run("envs", "--python", "/no/such/python3");

        Assert.AreEqual(0, run.ExitCode, run.All);
        StringAssert.Contains(run.Output, "gymnasium");
        StringAssert.Contains(run.Output, "could not be run");
        StringAssert.Contains(run.Output, "CartPole-v1");
        StringAssert.Contains(run.Output, "MountainCar-v0");
        var text = string.Join(" ", run.All.Split((char[])[' ', '\n', '\r', '│', '|'], StringSplitOptions.RemoveEmptyEntries));
        StringAssert.Contains(text, "tried '/no/such/python3' from the 'python' setting, but it could not be run");
        StringAssert.Contains(text, "DQNBRIDGE_PYTHON");
        StringAssert.Contains(text, "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt");
    }
}
