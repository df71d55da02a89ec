using DqnBridge.Envs.GymnasiumBackend;
using DqnBridge.Python;
using Python.Runtime;

namespace DqnBridge.Envs.Tests.GymnasiumBackend;

/// <summary>
/// car_racing_frame: crop against OpenCV's own gray conversion (cv2.cvtColor RGB2GRAY of img[:84, 6:90]) on real
/// CarRacing-v3 frames; needs Gymnasium with Box2D and OpenCV (inconclusive without).
/// </summary>
[TestClass]
public sealed class CarRacingFrameTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => GymnasiumRuntime.Start(TestPython.Embedded);

    [TestMethod]
    public void CroppedGrayFramesEqualOpenCvsPixelForPixel()
    {
        TestPython.RequireGymnasium(GymnasiumRuntime.IsAvailable());
        using var gil = Py.GIL();
        using PyModule scope = Py.CreateScope();
        scope.Exec(
            "import numpy as np\n" +
            "from dqnbridge import preprocessing\n" +
            "def compare(frames):\n" +
            "    import cv2, gymnasium\n" +
            "    env = gymnasium.make('CarRacing-v3', continuous=False)\n" +
            "    rgb, _ = env.reset(seed=1)\n" +
            "    differing = total = 0\n" +
            "    for t in range(frames):\n" +
            "        ours = preprocessing.car_racing_frame_cropped(rgb)\n" +
            "        theirs = cv2.cvtColor(rgb[:84, 6:90], cv2.COLOR_RGB2GRAY)\n" +
            "        differing += int(np.count_nonzero(ours != theirs))\n" +
            "        total += ours.size\n" +
            "        rgb, _, terminated, truncated, _ = env.step(3 if t % 3 else 1)\n" +
            "    env.close()\n" +
            "    return [differing, total]\n");
        long[] counts;
        try
        {
            using PyObject result = scope.Eval("compare(150)");
            counts = PythonValues.ToJson(result).EnumerateArray().Select(v => v.GetInt64()).ToArray();
        }
        catch (PythonException e)
        {
            Assert.Inconclusive($"CarRacing-v3 with OpenCV cannot run here (Box2D and opencv-python are needed): {e.Message}");
            throw;
        }

        Assert.AreEqual(150L * 84 * 84, counts[1]);
        Assert.AreEqual(0L, counts[0], $"{counts[0]} of {counts[1]} pixels differ from OpenCV's gray");
        // And on every kind of pixel, not only CarRacing's colours.
        using PyObject random = scope.Eval(
            "int(np.count_nonzero(preprocessing.to_gray_uint8(r) != __import__('cv2').cvtColor(r, __import__('cv2').COLOR_RGB2GRAY)))" +
            " if (r := np.random.default_rng(5).integers(0, 256, (1000, 1000, 3), dtype=np.uint8)) is not None else -1");
        Assert.AreEqual(0, random.As<int>());
    }
}
