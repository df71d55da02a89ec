using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

/// <summary>The CarRacing notebook's crop and the ALE game names (NumPy only; no Gymnasium needed).</summary>
[TestClass]
public sealed class CarRacingCropAndAleNameTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(TestPython.Embedded);

    private static PyObject Eval(string expression)
    {
        using var globals = Py.NewDict();
        using var helper = Py.Import(GymnasiumRuntime.HelperModuleName);
        using var numpy = Py.Import("numpy");
        globals.SetItem("h", helper);
        globals.SetItem("np", numpy);
        return PythonEngine.Eval(expression, globals);
    }

    [TestMethod]
    public void CropKeepsRows0To83AndColumns6To89WithoutResizing()
    {
        using var gil = Py.GIL();
        // Each pixel's gray value encodes where it came from: red = row, green = column (blue 0).
        using var frame = Eval(
            "h.car_racing_frame_cropped(np.stack([np.repeat(np.arange(96)[:, None], 96, 1), np.repeat(np.arange(96)[None, :], 96, 0), np.zeros((96, 96))], -1).astype(np.uint8))");
        using var array = new NumpyArray(frame);
        array.Expect(NumpyDtype.UInt8, [84, 84]);
        ReadOnlySpan<byte> pixels = array.AsSpan<byte>();
        static byte Gray(int row, int column) => (byte)Math.Round(0.299 * row + 0.587 * column);
        Assert.AreEqual(Gray(0, 6), pixels[0]);
        Assert.AreEqual(Gray(0, 89), pixels[83]);
        Assert.AreEqual(Gray(83, 6), pixels[83 * 84]);
        Assert.AreEqual(Gray(83, 89), pixels[83 * 84 + 83]);
        Assert.AreEqual(Gray(40, 50), pixels[40 * 84 + 44]);
    }

    [TestMethod]
    [DataRow("ALE/SpaceInvaders-v5", "space_invaders")]
    [DataRow("SpaceInvadersNoFrameskip-v4", "space_invaders")]
    [DataRow("ALE/Tetris-v5", "tetris")]
    [DataRow("BreakoutNoFrameskip-v4", "breakout")]
    [DataRow("ALE/MsPacman-v5", "ms_pacman")]
    public void AleGameNamesAreTheRomNames(string envId, string rom)
    {
        using var gil = Py.GIL();
        using var name = Eval($"h.ale_game_name('{envId}')");
        Assert.AreEqual(rom, name.As<string>());
    }
}
