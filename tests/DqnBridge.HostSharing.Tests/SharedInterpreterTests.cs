using System.Diagnostics;
using DqnBridge.Agent.Training;
using DqnBridge.Envs;
using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.HostSharing.Tests;

/// <summary>DqnBridge in a process whose host already runs Python through pythonnet (<see cref="HostApplication"/>).</summary>
[TestClass]
public sealed class SharedInterpreterTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void DqnBridgeUsesTheHostsInterpreterAndSaysWhich()
    {
        PythonInterpreter interpreter = GymnasiumRuntime.Start();

        Assert.IsTrue(interpreter.SharedWithHost);
        Assert.IsNull(interpreter.Installation, "DqnBridge started nothing of its own");
        Assert.AreEqual(HostApplication.HostPython.Executable, interpreter.Executable);
        Assert.AreEqual(HostApplication.HostPython.Version, interpreter.Version);
        Assert.AreEqual(HostApplication.HostPython.Prefix, interpreter.Prefix);
        Assert.Contains("the host application's Python", interpreter.Description);
        Assert.Contains(HostApplication.HostPython.Version.ToString(), interpreter.Description);
        Assert.AreSame(interpreter, PythonRuntime.Start(TestPython.Embedded), "naming the host's own Python is the same interpreter");

        using (Py.GIL())
        {
            // One interpreter: the host's module sees DqnBridge's helper module, and DqnBridge's NumPy views work in it.
            HostApplication.HostScope.Exec("import sys\nhelper_loaded = 'dqnbridge' in sys.modules\n");
            using PyObject loaded = HostApplication.HostScope.Get("helper_loaded");
            Assert.IsTrue(loaded.As<bool>());
            double[] memory = GC.AllocateArray<double>(3, pinned: true);
            using PyObject view = Numpy.ViewOf(memory, 3);
            HostApplication.HostScope.Set("view", view);
            HostApplication.HostScope.Exec("view[:] = orders\n");
            CollectionAssert.AreEqual(new[] { 3.0, 4.5, 1.5 }, memory);
        }
    }

    [TestMethod]
    public void AnotherInterpreterIsRefusedNamingTheHostsAndTheFix()
    {
        string venv = Path.Combine(Path.GetTempPath(), "dqnbridge-other-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var process = Process.Start(TestPython.Debian, ["-m", "venv", "--without-pip", venv]))
            {
                process.WaitForExit();
                Assert.AreEqual(0, process.ExitCode, "python3 -m venv failed");
            }
            string other = Path.Combine(venv, "bin", "python3");

            var error = Assert.ThrowsExactly<InvalidOperationException>(() => PythonRuntime.Start(other));

            Assert.Contains("started by the host application", error.Message);
            Assert.Contains(HostApplication.HostPython.Prefix, error.Message);
            Assert.Contains(other, error.Message);
            Assert.Contains("Leave the 'python' setting empty to use the host's", error.Message);
            Assert.IsTrue(PythonEngine.IsInitialized, "the host's interpreter is untouched");
        }
        finally
        {
            if (Directory.Exists(venv))
            {
                Directory.Delete(venv, recursive: true);
            }
        }
    }

    [TestMethod]
    public void WithoutGymnasiumTheErrorNamesTheHostsInterpreterAndTheFix()
    {
        if (GymnasiumRuntime.IsAvailable())
        {
            Assert.Inconclusive($"{TestPython.Embedded} has Gymnasium; this test shows what happens without it");
        }

        var error = Assert.ThrowsExactly<GymnasiumNotAvailableException>(() => new GymnasiumVectorEnv(new EnvSpec("CartPole-v1")));

        Assert.Contains("gymnasium is not importable from the host application's Python", error.Message);
        Assert.Contains(HostApplication.HostPython.Prefix, error.Message);
        Assert.Contains("pip install -r requirements.txt", error.Message);
    }

    [TestMethod]
    public void TrainsGymnasiumThroughDqnBridgeThenTheHostKeepsUsingPython()
    {
        TestPython.RequireGymnasium(GymnasiumRuntime.IsAvailable());
        string run = Path.Combine(Path.GetTempPath(), "dqnbridge-host-" + Guid.NewGuid().ToString("N"));
        try
        {
            var config = new DqnConfig
            {
                EnvId = "CartPole-v1",
                Backend = EnvBackend.Gymnasium,
                NumEnvs = 2,
                Seed = 1,
                TotalTimesteps = 300,
                LearningStarts = 100,
                TrainFrequency = 2,
                TargetNetworkFrequency = 50,
                BufferSize = 1000,
                BatchSize = 32,
            };
            TrainingSummary summary;
            using (var envs = new GymnasiumVectorEnv(config.ToEnvSpec()))
            using (var trainer = new DqnTrainer(config, envs, run))
            {
                summary = trainer.Train(TestContext.CancellationToken);
            }

            Assert.AreEqual(300, summary.Steps);
            Assert.IsGreaterThan(0, summary.Episodes, "CartPole episodes ended within 600 environment steps");
            Assert.IsTrue(File.Exists(Path.Combine(run, "episodes.csv")));
            // The host goes on with its own Python: its state is intact and new work runs.
            using (Py.GIL())
            {
                using PyObject total = HostApplication.HostScope.Eval("total()");
                Assert.AreEqual(9.0, total.As<double>());
                using PyObject more = PythonEngine.Eval("sum(range(10))");
                Assert.AreEqual(45, more.As<int>());
            }
            Assert.IsTrue(PythonEngine.IsInitialized, "DqnBridge did not shut the host's interpreter down");
        }
        finally
        {
            if (Directory.Exists(run))
            {
                Directory.Delete(run, recursive: true);
            }
        }
    }
}
