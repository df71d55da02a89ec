using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

/// <summary>python/dqnbridge_host.py: quiet headless defaults, and which registered ids this Python cannot make.</summary>
[TestClass]
public sealed class HostSetupTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(TestPython.Embedded);

    [TestMethod]
    public void SdlAndPygameAreQuietUnlessTheUserChoseOtherwise()
    {
        using var gil = Py.GIL();
        using var host = Py.Import("dqnbridge_host");
        using var globals = Py.NewDict();
        globals.SetItem("host", host);

        using var empty = PythonEngine.Eval("(lambda e: (host._quiet_headless_defaults(e), e)[1])({})", globals);
        var defaults = ((Dictionary<object, object?>)empty.ToManaged()!).ToDictionary(kv => (string)kv.Key, kv => (string?)kv.Value);
        Assert.AreEqual("dummy", defaults["SDL_AUDIODRIVER"]);
        Assert.AreEqual("dummy", defaults["SDL_VIDEODRIVER"], "no display: no video probing either");
        Assert.AreEqual("1", defaults["PYGAME_HIDE_SUPPORT_PROMPT"]);

        using var chosen = PythonEngine.Eval(
            "(lambda e: (host._quiet_headless_defaults(e), e)[1])({'SDL_AUDIODRIVER': 'pulseaudio', 'DISPLAY': ':0'})", globals);
        var kept = ((Dictionary<object, object?>)chosen.ToManaged()!).ToDictionary(kv => (string)kv.Key, kv => (string?)kv.Value);
        Assert.AreEqual("pulseaudio", kept["SDL_AUDIODRIVER"], "the user's driver is kept");
        Assert.IsFalse(kept.ContainsKey("SDL_VIDEODRIVER"), "with a display, SDL picks its video driver itself");

        // Applied in this process's environment when the helper module was imported, before any pygame import.
        using var audio = PythonEngine.Eval("__import__('os').environ.get('SDL_AUDIODRIVER')", globals);
        Assert.IsFalse(audio.IsNone);
    }

    [TestMethod]
    public void ListingMarksIdsThatCannotBeMadeHereWithTheReason()
    {
        TestPython.RequireGymnasium(GymnasiumRuntime.IsAvailable());
        var listing = EnvFactory.ListEnvironments().ToDictionary(e => e.Id);

        Assert.IsNull(listing["CartPole-v1"].Unavailable);
        if (listing.TryGetValue("Ant-v5", out var ant) && !TestPython.Imports(TestPython.Embedded, "mujoco"))
        {
            StringAssert.Contains(ant.Unavailable, "mujoco");
        }
        if (listing.TryGetValue("LunarLander-v3", out var lander))
        {
            if (TestPython.Imports(TestPython.Embedded, "Box2D"))
            {
                Assert.IsNull(lander.Unavailable);
            }
            else
            {
                StringAssert.Contains(lander.Unavailable, "Box2D");
            }
        }
        const string romCheck = "import os, ale_py.roms as r; raise SystemExit(not os.path.isfile(os.path.join(os.environ.get('ALE_ROMS_DIR') or os.path.dirname(r.__file__), 'pong.bin')))";
        if (listing.TryGetValue("ALE/Pong-v5", out var pong) && !TestPython.Runs(TestPython.Embedded, romCheck))
        {
            StringAssert.Contains(pong.Unavailable, "no ROM for 'pong'");
        }
    }
}
