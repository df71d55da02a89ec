using DqnBridge.Agent.Interop;
using DqnBridge.Python;
using static TorchSharp.torch;

namespace DqnBridge.Agent.Tests.Interop;

[TestClass]
public sealed class NumpyTensorTests
{
    [ClassInitialize]
    public static void StartPython(TestContext _) => PythonEngine.Initialize("/usr/bin/python3");

    [TestMethod]
    public void ArraysLandInTensorsWithTheirValuesShapeAndDtype()
    {
        using var gil = Py.GIL();
        using var frames = PythonEngine.Eval("__import__('numpy').arange(4 * 84 * 84, dtype='int64').reshape(4, 84, 84).astype('uint8')");
        using var array = new NumpyArray(frames);
        using var existing = zeros([4, 84, 84], ScalarType.Byte);
        NumpyTensor.CopyInto(array, existing);
        Assert.AreEqual((4 * 84 * 84 - 1) % 256, existing[3, 83, 83].item<byte>());
        Assert.AreEqual(85, existing[0, 1, 1].item<byte>());

        using var state = PythonEngine.Eval("__import__('numpy').array([0.5, -1.5, 2.0, 3.25], dtype='float32')");
        using var stateArray = new NumpyArray(state);
        using var tensor = NumpyTensor.ToTensor(stateArray);
        Assert.AreEqual(ScalarType.Float32, tensor.dtype);
        CollectionAssert.AreEqual(new long[] { 4 }, tensor.shape);
        Assert.AreEqual(3.25f, tensor[3].item<float>());
    }

    [TestMethod]
    public void MismatchedTensorsAreRejected()
    {
        using var gil = Py.GIL();
        using var state = PythonEngine.Eval("__import__('numpy').zeros(4, dtype='float32')");
        using var wrongType = zeros([4], ScalarType.Float64);
        Assert.ThrowsExactly<NumpyArrayMismatchException>(() => CopyFrom(state, wrongType));
        using var wrongSize = zeros([5], ScalarType.Float32);
        Assert.ThrowsExactly<NumpyArrayMismatchException>(() => CopyFrom(state, wrongSize));
    }

    private static void CopyFrom(PyObject source, Tensor destination)
    {
        using var array = new NumpyArray(source);
        NumpyTensor.CopyInto(array, destination);
    }
}
