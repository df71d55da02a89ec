using Python.Runtime;

namespace DqnBridge.Python.Tests;

/// <summary>NumPy arrays read in place through their array interface, and NumPy views of .NET memory.</summary>
[TestClass]
public sealed class NumpyTests
{
    [TestMethod]
    public void ArraysOfEveryDtypeAreReadInPlace()
    {
        using var gil = Py.GIL();
        using PyObject f32 = PythonEngine.Eval("__import__('numpy').arange(12, dtype='float32').reshape(3, 4) / 2");
        using (var a = new NumpyArray(f32))
        {
            a.Expect(NumpyDtype.Float32, [3, 4]);
            Assert.AreEqual(5.5f, a.AsSpan<float>()[11]);
            var copy = new float[12];
            a.CopyTo<float>(copy);
            Assert.AreEqual(0.5f, copy[1]);
            Assert.AreEqual(48, a.ByteLength);
        }
        using PyObject f64 = PythonEngine.Eval("__import__('numpy').array([1.25, -2.0])");
        using (var a = new NumpyArray(f64))
        {
            a.Expect(NumpyDtype.Float64, [2]);
            Assert.AreEqual(-2.0, a.AsSpan<double>()[1]);
        }
        using PyObject u8 = PythonEngine.Eval("__import__('numpy').full((4, 84, 84), 7, dtype='uint8')");
        using (var a = new NumpyArray(u8))
        {
            a.Expect(NumpyDtype.UInt8, [4, 84, 84]);
            Assert.AreEqual(4 * 84 * 84, a.ByteLength);
            Assert.AreEqual(7, a.AsSpan<byte>()[1000]);
            Assert.AreEqual(3, a.Rank, "more than one dimension is fine (pythonnet's PyBuffer.Read takes only one)");
        }
        using PyObject i64 = PythonEngine.Eval("__import__('numpy').array([-3, 1 << 40], dtype='int64')");
        using (var a = new NumpyArray(i64))
        {
            Assert.AreEqual(NumpyDtype.Int64, a.Dtype);
            Assert.AreEqual(1L << 40, a.AsSpan<long>()[1]);
        }
        using PyObject flags = PythonEngine.Eval("__import__('numpy').array([True, False, True])");
        using (var a = new NumpyArray(flags))
        {
            Assert.AreEqual(NumpyDtype.Bool, a.Dtype);
            CollectionAssert.AreEqual(new[] { true, false, true }, a.AsSpan<bool>().ToArray());
            CollectionAssert.AreEqual(new byte[] { 1, 0, 1 }, a.AsSpan<byte>().ToArray(), "bool arrays read as bytes too");
        }
        using PyObject readOnly = PythonEngine.Eval("(lambda a: (a.setflags(write=False), a)[1])(__import__('numpy').zeros(2))");
        using (var a = new NumpyArray(readOnly))
        {
            Assert.IsTrue(a.IsReadOnly);
        }
    }

    [TestMethod]
    public void DtypeShapeAndLayoutMismatchesGiveClearErrors()
    {
        using var gil = Py.GIL();
        using PyObject array = PythonEngine.Eval("__import__('numpy').zeros((2, 3), dtype='float64')");
        using (var a = new NumpyArray(array))
        {
            var wrongShape = Assert.ThrowsExactly<NumpyArrayMismatchException>(() => a.Expect(NumpyDtype.Float64, [3, 2]));
            Assert.Contains("shape (3, 2)", wrongShape.Message);
            Assert.Contains("got dtype float64 and shape (2, 3)", wrongShape.Message);
            var wrongType = Assert.ThrowsExactly<NumpyArrayMismatchException>(() => a.AsSpan<float>().ToArray());
            Assert.Contains("float64", wrongType.Message);
            Assert.ThrowsExactly<NumpyArrayMismatchException>(() => a.CopyTo<double>(new double[5]));
        }

        using PyObject complex = PythonEngine.Eval("__import__('numpy').zeros(2, dtype='complex64')");
        var unsupported = Assert.ThrowsExactly<NumpyArrayMismatchException>(() => new NumpyArray(complex).Dispose());
        Assert.Contains("'<c8'", unsupported.Message);

        using PyObject bigEndian = PythonEngine.Eval("__import__('numpy').zeros(2, dtype='>f4')");
        Assert.ThrowsExactly<NumpyArrayMismatchException>(() => new NumpyArray(bigEndian).Dispose());

        using PyObject strided = PythonEngine.Eval("__import__('numpy').zeros((4, 4), dtype='float32')[:, ::2]");
        var notContiguous = Assert.ThrowsExactly<NumpyArrayMismatchException>(() => new NumpyArray(strided).Dispose());
        Assert.Contains("np.ascontiguousarray", notContiguous.Message);

        using PyObject notAnArray = PythonEngine.Eval("[1, 2]");
        Assert.ThrowsExactly<PythonException>(() => new NumpyArray(notAnArray).Dispose(), "a list has no array interface");
    }

    [TestMethod]
    public void ViewsOfPinnedDotnetArraysShareTheirMemoryBothWays()
    {
        long[] actions = GC.AllocateArray<long>(6, pinned: true);
        float[] observations = GC.AllocateArray<float>(4, pinned: true);
        using var gil = Py.GIL();
        using PyObject actionView = Numpy.ViewOf(actions, 2, 3);
        using PyObject observationView = Numpy.ViewOf(observations, 4);
        actions[4] = 42;
        using PyModule scope = PythonFixture.Define("def fill(obs):\n    obs[:] = [1.5, 2.5, 3.5, 4.5]\ndef read(a):\n    return [a.dtype.name, list(a.shape), int(a[1, 1])]\n");
        using PyObject read = scope.Get("read");
        using PyObject seen = read.Invoke(actionView);
        Assert.AreEqual("""["int64", [2, 3], 42]""", PythonValues.ToJson(seen).GetRawText());
        using PyObject fill = scope.Get("fill");
        using PyObject filled = fill.Invoke(observationView);
        CollectionAssert.AreEqual(new[] { 1.5f, 2.5f, 3.5f, 4.5f }, observations, "Python's writes land in .NET's array, no copy back");

        var wrongShape = Assert.ThrowsExactly<NumpyArrayMismatchException>(() => Numpy.ViewOf(actions, 4, 2).Dispose());
        Assert.Contains("do not fill shape (4, 2)", wrongShape.Message);
        Assert.ThrowsExactly<NotSupportedException>(() => Numpy.ViewOf(new int[2], 2).Dispose(), "int32 has no dtype here");
    }

    [TestMethod]
    public void CopiesOwnTheirDataAndEmptyArraysWork()
    {
        using var gil = Py.GIL();
        byte[] source = [3, 1, 4, 1];
        using PyObject copy = Numpy.CopyOf<byte>(source, 2, 2);
        source[0] = 9;
        using PyObject text = copy.InvokeMethod("tolist");
        Assert.AreEqual("[[3, 1], [4, 1]]", text.ToString(), "the copy does not follow later changes");
        using PyObject empty = Numpy.CopyOf<long>([], 0, 3);
        using var view = new NumpyArray(empty);
        view.Expect(NumpyDtype.Int64, [0, 3]);
        Assert.ThrowsExactly<NumpyArrayMismatchException>(() => Numpy.CopyOf<long>([1, 2, 3], 2, 2).Dispose());
    }
}
