using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

/// <summary>python/dqnbridge/headless.py's quiet defaults, and registry.py's list of registered ids this Python cannot make.</summary>
[TestClass]
public sealed class HostSetupTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(TestPython.Embedded);

    [TestMethod]
    public void SdlAndPygameAreQuietUnlessTheUserChoseOtherwise()
    {
        using var gil = Py.GIL();
        using PyModule scope = Py.CreateScope();
        scope.Exec("import dqnbridge.headless as headless");

        using PyObject empty = scope.Eval("(lambda e: (headless.set_quiet_defaults(e), e)[1])({})");
        var defaults = PythonValues.ToJson(empty);
        Assert.AreEqual("dummy", defaults.GetProperty("SDL_AUDIODRIVER").GetString());
        Assert.AreEqual("dummy", defaults.GetProperty("SDL_VIDEODRIVER").GetString(), "no display: no video probing either");
        Assert.AreEqual("1", defaults.GetProperty("PYGAME_HIDE_SUPPORT_PROMPT").GetString());

        using PyObject chosen = scope.Eval(
            "(lambda e: (headless.set_quiet_defaults(e), e)[1])({'SDL_AUDIODRIVER': 'pulseaudio', 'DISPLAY': ':0'})");
        var kept = PythonValues.ToJson(chosen);
        Assert.AreEqual("pulseaudio", kept.GetProperty("SDL_AUDIODRIVER").GetString(), "the user's driver is kept");
        Assert.IsFalse(kept.TryGetProperty("SDL_VIDEODRIVER", out _), "with a display, SDL picks its video driver itself");

        // Applied in this process's environment when the helper module was imported, before any pygame import.
        using PyObject audio = scope.Eval("__import__('os').environ.get('SDL_AUDIODRIVER')");
        Assert.IsFalse(audio.IsNone());
    }

    [TestMethod]
    public void ListingMarksIdsThatCannotBeMadeHereWithTheReason()
    {
        TestPython.RequireGymnasium(GymnasiumRuntime.IsAvailable());
        var listing = EnvFactory.ListEnvironments().ToDictionary(e => e.Id);

        Assert.IsNull(listing["CartPole-v1"].Unavailable);
        if (listing.TryGetValue("Ant-v5", out var ant) && !TestPython.Imports(TestPython.Embedded, "mujoco"))
        {
            Assert.AreEqual(EnvUnavailability.MissingDependency("MuJoCo", "needs mujoco", "pip install \"gymnasium[mujoco]\""), ant.Unavailable);
            Assert.AreEqual("needs mujoco (pip install \"gymnasium[mujoco]\")", ant.Unavailable!.Describe());
        }
        if (listing.TryGetValue("LunarLander-v3", out var lander))
        {
            if (TestPython.Imports(TestPython.Embedded, "Box2D"))
            {
                Assert.IsNull(lander.Unavailable);
            }
            else
            {
                Assert.AreEqual(EnvUnavailability.MissingDependency("Box2D", "needs Box2D", "pip install \"gymnasium[box2d]\""), lander.Unavailable);
            }
        }
        const string romCheck = "import os, ale_py.roms as r; raise SystemExit(not os.path.isfile(os.path.join(os.environ.get('ALE_ROMS_DIR') or os.path.dirname(r.__file__), 'pong.bin')))";
        if (listing.TryGetValue("ALE/Pong-v5", out var pong) && !TestPython.Runs(TestPython.Embedded, romCheck))
        {
            Assert.AreEqual(EnvProblem.MissingRom, pong.Unavailable?.Problem);
            Assert.AreEqual("pong", pong.Unavailable!.Game);
            Assert.AreEqual("ALE", pong.Unavailable.Family);
            StringAssert.StartsWith(pong.Unavailable.Describe(), "no ROM for 'pong' in ");
            StringAssert.Contains(pong.Unavailable.Fix, "pong.bin");
        }
    }
}
