using Python.Runtime;

namespace DqnBridge.Python.Tests;

[TestClass]
public static class PythonFixture
{
    /// <summary>Debian's python3 has NumPy here; the pyenv python3 on PATH does not.</summary>
    [AssemblyInitialize]
    public static void StartPython(TestContext _) => PythonRuntime.Start(TestPython.Debian);

    /// <summary>A fresh module made from source. Call under the GIL; the caller owns it.</summary>
    public static PyModule Define(string code)
    {
        PyModule scope = Py.CreateScope();
        scope.Exec(code);
        return scope;
    }
}
