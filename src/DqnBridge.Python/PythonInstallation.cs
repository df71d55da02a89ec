using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace DqnBridge.Python;

/// <summary>What a Python interpreter reported about itself: enough to embed it.</summary>
/// <param name="Executable">The executable as it was named (a path, or a name looked up on PATH).</param>
/// <param name="AbsoluteExecutable">
/// The interpreter's own absolute path (sys.executable; a venv's python stays the venv's): what a run records
/// so that repeating it elsewhere uses the same Python.
/// </param>
/// <param name="Version">The interpreter's version (sys.version_info).</param>
/// <param name="LibraryPath">The libpython shared library to load.</param>
/// <param name="Prefix">sys.prefix (the venv, when it is one).</param>
/// <param name="BasePrefix">sys.base_prefix (the installation a venv was made from).</param>
/// <param name="SysPath">The interpreter's sys.path.</param>
public sealed record PythonInstallation(
    string Executable,
    string AbsoluteExecutable,
    Version Version,
    string LibraryPath,
    string Prefix,
    string BasePrefix,
    IReadOnlyList<string> SysPath)
{
    /// <summary>Environment variable naming the python executable to embed.</summary>
    public const string EnvironmentVariable = "DQNBRIDGE_PYTHON";

    /// <summary>How to get a Python with DqnBridge's requirements, for messages.</summary>
    public const string VenvHint =
        "Make a venv with DqnBridge's requirements: `python3 -m venv .venv && .venv/bin/pip install -r requirements.txt`, then " +
        "`export " + EnvironmentVariable + "=$PWD/.venv/bin/python` (Debian's and Ubuntu's system pip refuse installs, PEP 668), " +
        "or use conda: `conda env create -f environment.yml`.";

    private const string Marker = "dqnbridge-python-probe";

    // Written so that any Python, 2.7 included, prints the marker line with its version; only 3.10+ goes on.
    private const string ProbeScript =
        "import sys\n" +
        "print('" + Marker + " %d.%d.%d' % tuple(sys.version_info[:3]))\n" +
        "if sys.version_info >= (3, 10):\n" +
        "    import sysconfig, json\n" +
        "    v = sysconfig.get_config_var\n" +
        "    print(json.dumps({'shared': bool(v('Py_ENABLE_SHARED')), 'executable': sys.executable or '',\n" +
        "        'libdir': v('LIBDIR') or '', 'ldlibrary': v('LDLIBRARY') or '', 'instsoname': v('INSTSONAME') or '',\n" +
        "        'prefix': sys.prefix, 'base_prefix': sys.base_prefix, 'path': [p for p in sys.path if p]}))\n";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Finds the interpreter to embed: <paramref name="explicitExecutable"/> when given, else the
    /// DQNBRIDGE_PYTHON environment variable, else python3 on PATH.
    /// </summary>
    public static PythonInstallation Locate(string? explicitExecutable = null)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        (string executable, string source) =
            !string.IsNullOrWhiteSpace(explicitExecutable) ? (explicitExecutable, "the 'python' setting")
            : !string.IsNullOrWhiteSpace(fromEnvironment) ? (fromEnvironment, $"the {EnvironmentVariable} environment variable")
            : ("python3", "python3 on PATH");
        return Probe(executable, source);
    }

    private static PythonInstallation Probe(string executable, string source)
    {
        (int exitCode, string output, string error) = Run(executable, source);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? versionLine = lines.FirstOrDefault(l => l.StartsWith(Marker + " ", StringComparison.Ordinal));
        if (versionLine is null || !Version.TryParse(versionLine[(Marker.Length + 1)..], out Version? version))
        {
            string what = exitCode != 0 ? $"running it with -c exited with code {exitCode}" : "running it with -c gave no Python version";
            string said = LastLine(error) is { Length: > 0 } last ? $" and printed \"{last}\"" : "";
            throw NotPython3(executable, source, what + said);
        }
        if (version.Major != 3 || version.Minor < 10)
        {
            throw NotPython3(executable, source, $"it is Python {version}");
        }
        if (exitCode != 0 || lines.Length < 2)
        {
            throw Fail(executable, source, $"it could not describe itself (exit code {exitCode}): {LastLine(error)}");
        }

        using JsonDocument json = JsonDocument.Parse(lines[^1]);
        JsonElement root = json.RootElement;
        string prefix = root.GetProperty("prefix").GetString()!;
        string basePrefix = root.GetProperty("base_prefix").GetString()!;
        string libdir = root.GetProperty("libdir").GetString()!;
        var candidates = new List<string>();
        foreach (string name in new[] { root.GetProperty("instsoname").GetString()!, root.GetProperty("ldlibrary").GetString()! })
        {
            if (name.EndsWith(".a", StringComparison.Ordinal) || name.Length == 0)
            {
                continue;
            }
            candidates.Add(Path.Combine(libdir, name));
            candidates.Add(Path.Combine(basePrefix, "lib", name));
        }
        string? library = candidates.FirstOrDefault(File.Exists);
        if (library is null)
        {
            string tried = candidates.Count == 0 ? "it was built without a shared libpython (Py_ENABLE_SHARED=0)" : "none of " + string.Join(", ", candidates) + " exists";
            throw Fail(executable, source, $"its shared library was not found: {tried}");
        }
        string reported = root.GetProperty("executable").GetString()!;
        string absolute = reported.Length > 0 && Path.IsPathRooted(reported) ? reported : Path.GetFullPath(executable);
        var sysPath = root.GetProperty("path").EnumerateArray().Select(p => p.GetString()!).ToList();
        return new PythonInstallation(executable, absolute, version, library, prefix, basePrefix, sysPath);
    }

    /// <summary>Runs the probe script; stdin is closed so that a program waiting for input ends at once.</summary>
    private static (int ExitCode, string Output, string Error) Run(string executable, string source)
    {
        var start = new ProcessStartInfo(executable, ["-c", ProbeScript])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using Process process = Process.Start(start) ?? throw new Win32Exception("process did not start");
            process.StandardInput.Close();
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(ProbeTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw NotPython3(executable, source, $"running it with -c did not end within {ProbeTimeout.TotalSeconds:0} s");
            }
            return (process.ExitCode, output.Result, error.Result);
        }
        catch (Win32Exception e)
        {
            throw Fail(executable, source, $"it could not be run ({e.Message})");
        }
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";

    private static PythonNotFoundException NotPython3(string executable, string source, string reason) =>
        new($"No usable Python: '{executable}' (from {source}) is not a Python 3.10+ interpreter: {reason}. {Fix}");

    private static PythonNotFoundException Fail(string executable, string source, string reason) =>
        new($"No usable Python: tried '{executable}' from {source}, but {reason}. {Fix}");

    /// <summary>What to do when the interpreter found cannot be used, for messages.</summary>
    internal const string Fix =
        "Point the 'python' setting or the " + EnvironmentVariable + " environment variable at a CPython 3.10+ " +
        "executable built with a shared libpython (Debian/Ubuntu python3, a venv or conda env, or pyenv with " +
        "PYTHON_CONFIGURE_OPTS=--enable-shared). " + VenvHint;
}
