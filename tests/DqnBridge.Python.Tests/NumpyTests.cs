namespace DqnBridge.Python.Tests;

[TestClass]
public sealed class NumpyTests
{
    [TestMethod]
    public void ArraysOfEveryDtypeAreReadInPlace()
    {
        using var gil = Py.GIL();
        using var f32 = PythonEngine.Eval("__import__('numpy').arange(12, dtype='float32').reshape(3, 4) / 2");
        using (var a = new NumpyArray(f32))
        {
            a.Expect(NumpyDtype.Float32, [3, 4]);
            Assert.AreEqual(5.5f, a.AsSpan<float>()[11]);
            var copy = new float[12];
            a.CopyTo<float>(copy);
            Assert.AreEqual(0.5f, copy[1]);
        }
        using var f64 = PythonEngine.Eval("__import__('numpy').array([1.25, -2.0])");
        using (var a = new NumpyArray(f64))
        {
            a.Expect(NumpyDtype.Float64, [2]);
            Assert.AreEqual(-2.0, a.AsSpan<double>()[1]);
        }
        using var u8 = PythonEngine.Eval("__import__('numpy').full((4, 84, 84), 7, dtype='uint8')");
        using (var a = new NumpyArray(u8))
        {
            a.Expect(NumpyDtype.UInt8, [4, 84, 84]);
            Assert.AreEqual(4 * 84 * 84, a.ByteLength);
            Assert.AreEqual(7, a.AsSpan<byte>()[1000]);
        }
        using var i64 = PythonEngine.Eval("__import__('numpy').array([-3, 1 << 40], dtype='int64')");
        using (var a = new NumpyArray(i64))
        {
            Assert.AreEqual(NumpyDtype.Int64, a.Dtype);
            Assert.AreEqual(1L << 40, a.AsSpan<long>()[1]);
        }
        using var flags = PythonEngine.Eval("__import__('numpy').array([True, False, True])");
        using (var a = new NumpyArray(flags))
        {
            Assert.AreEqual(NumpyDtype.Bool, a.Dtype);
            CollectionAssert.AreEqual(new[] { true, false, true }, a.AsSpan<bool>().ToArray());
            CollectionAssert.AreEqual(new byte[] { 1, 0, 1 }, a.AsSpan<byte>().ToArray(), "bool arrays read as bytes too");
        }
    }

    [TestMethod]
    public void DtypeAndShapeMismatchesGiveClearErrors()
    {
        using var gil = Py.GIL();
        using var array = PythonEngine.Eval("__import__('numpy').zeros((2, 3), dtype='float64')");
        var wrongShape = Assert.ThrowsExactly<NumpyArrayMismatchException>(() =>
        {
            using var a = new NumpyArray(array);
            a.Expect(NumpyDtype.Float64, [3, 2]);
        });
        Assert.Contains("shape (3, 2)", wrongShape.Message);
        Assert.Contains("got dtype float64 and shape (2, 3)", wrongShape.Message);

        var wrongType = Assert.ThrowsExactly<NumpyArrayMismatchException>(() =>
        {
            using var a = new NumpyArray(array);
            _ = a.AsSpan<float>();
        });
        Assert.Contains("float64", wrongType.Message);

        using var complex = PythonEngine.Eval("__import__('numpy').zeros(2, dtype='complex64')");
        Assert.ThrowsExactly<NumpyArrayMismatchException>(() => { using var a = new NumpyArray(complex); });

        using var strided = PythonEngine.Eval("__import__('numpy').zeros((4, 4), dtype='float32')[:, ::2]");
        var notContiguous = Assert.ThrowsExactly<PythonException>(() => { using var a = new NumpyArray(strided); });
        Assert.Contains("contiguous", notContiguous.PythonMessage);

        Assert.ThrowsExactly<NumpyArrayMismatchException>(() => Numpy.FromSpan<long>([1, 2, 3], 2, 2).Dispose());
    }

    [TestMethod]
    public void ActionsAreSentAsNumpyArrays()
    {
        using var gil = Py.GIL();
        using var actions = Numpy.FromSpan<long>([3, 1, 4, 1], 2, 2);
        Assert.AreEqual("ndarray", actions.TypeName);
        using var text = actions.InvokeMethod("tolist");
        Assert.AreEqual("[[3, 1], [4, 1]]", text.ToString());
        using var dtype = actions.GetAttr("dtype");
        Assert.AreEqual("int64", dtype.ToString());
    }
}
