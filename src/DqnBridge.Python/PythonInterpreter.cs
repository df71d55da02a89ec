namespace DqnBridge.Python;

/// <summary>The CPython interpreter this process runs, as <see cref="PythonRuntime.Start"/> found or shared it.</summary>
/// <param name="Executable">
/// For an interpreter DqnBridge started, the executable as it was named (a path, or a name looked up on PATH); for the
/// host's, its <c>sys.executable</c>.
/// </param>
/// <param name="Version">sys.version_info's major, minor and micro.</param>
/// <param name="Prefix">sys.prefix: the venv or conda env whose packages it imports.</param>
/// <param name="SharedWithHost">
/// True when the host application had already initialized pythonnet: DqnBridge uses that interpreter and never
/// shuts it down.
/// </param>
/// <param name="Installation">What the interpreter DqnBridge started reported about itself; null for the host's.</param>
public sealed record PythonInterpreter(string Executable, Version Version, string Prefix, bool SharedWithHost, PythonInstallation? Installation)
{
    /// <summary>An absolute path to record so that repeating a run uses the same Python (a venv's python stays the venv's).</summary>
    public string AbsoluteExecutable => Installation?.AbsoluteExecutable ?? Executable;

    /// <summary>How messages name it: the executable, and for the host's interpreter also that it is the host's.</summary>
    public string Description => SharedWithHost ? $"the host application's Python {Version} ({Executable}, prefix {Prefix})" : Executable;
}
