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

/// <summary>
/// An interpreter that answers like Python but whose shared library cannot be loaded: one clear message and exit code 1,
/// no crash. Run as child processes (loading the library is what fails).
/// </summary>
[TestClass]
public sealed class UnloadablePythonTests : TempRunsFolderTestBase
{
    [TestMethod]
    public void ALibraryThatCannotBeLoadedIsNamedWithTheFix()
    {
        // A stand-in "python" that answers DqnBridge's probe, pointing at a "libpython" that is a text file.
        string folder = Path.Combine(Runs, "fake-python");
        Directory.CreateDirectory(folder);
        string library = Path.Combine(folder, "libpython3.11.so.1.0");
        File.WriteAllText(library, "not a shared library\n");
        string python = Path.Combine(folder, "python");
        File.WriteAllText(python,
            "#!/bin/sh\n" +
            "echo 'dqnbridge-python-probe 3.11.2'\n" +
            $"echo '{{\"shared\": true, \"executable\": \"{python}\", \"libdir\": \"{folder}\", \"ldlibrary\": \"libpython3.11.so.1.0\", " +
            $"\"instsoname\": \"libpython3.11.so.1.0\", \"prefix\": \"{folder}\", \"base_prefix\": \"{folder}\", \"path\": []}}'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(python, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var train = CliProcess.Run(CliProcess.WithoutPython, "--env", "CartPole-v1", "backend=gymnasium", $"python={python}", "total_timesteps=100", RunsDir);

        Assert.AreEqual(1, train.ExitCode, train.All);
        StringAssert.Contains(train.Error, $"the library of '{python}' ({library}) could not be loaded");
        StringAssert.Contains(train.Error, "Point the 'python' setting or the DQNBRIDGE_PYTHON environment variable at a CPython 3.10+");
        Assert.DoesNotContain("   at ", train.All, "no stack trace");
        CollectionAssert.AreEqual(new[] { folder }, Directory.GetDirectories(Runs), "no run folder was left behind");

        var envs = CliProcess.Run(CliProcess.WithoutPython, "envs", "--python", python);
        Assert.AreEqual(0, envs.ExitCode, envs.All);
        StringAssert.Contains(string.Join(" ", envs.All.Split((char[])[' ', '\n', '\r', '│', '|'], StringSplitOptions.RemoveEmptyEntries)), "could not be loaded");
    }
}
