namespace DqnBridge.Python.Tests;

[TestClass]
public static class PythonFixture
{
    /// <summary>Debian's python3 has NumPy here; the pyenv python3 on PATH does not.</summary>
    [AssemblyInitialize]
    public static void StartPython(TestContext _) => PythonEngine.Initialize(TestPython.Debian);

    /// <summary>Defines a module-like namespace from source and returns it.</summary>
    public static PyObject Define(string code)
    {
        PyObject scope = Py.NewDict();
        PythonEngine.Exec(code, scope);
        return scope;
    }
}
