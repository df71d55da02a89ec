using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace DqnBridge.Python;

/// <summary>What a Python interpreter reported about itself: enough to embed it.</summary>
public sealed record PythonInstallation(
    string Executable,
    Version Version,
    string LibraryPath,
    string Prefix,
    string BasePrefix,
    IReadOnlyList<string> SysPath)
{
    /// <summary>Environment variable naming the python executable to embed.</summary>
    public const string EnvironmentVariable = "DQNBRIDGE_PYTHON";

    private const string ProbeScript =
        "import sys, sysconfig, json, os\n" +
        "v = sysconfig.get_config_var\n" +
        "print(json.dumps({'version': '%d.%d.%d' % sys.version_info[:3], 'shared': bool(v('Py_ENABLE_SHARED')),\n" +
        " 'libdir': v('LIBDIR') or '', 'ldlibrary': v('LDLIBRARY') or '', 'instsoname': v('INSTSONAME') or '',\n" +
        " 'prefix': sys.prefix, 'base_prefix': sys.base_prefix, 'path': [p for p in sys.path if p]}))\n";

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
        string output;
        try
        {
            var start = new ProcessStartInfo(executable, ["-c", ProbeScript])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using Process process = Process.Start(start) ?? throw new Win32Exception("process did not start");
            output = process.StandardOutput.ReadToEnd();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw Fail(executable, source, $"it exited with code {process.ExitCode}: {error.Trim()}");
            }
        }
        catch (Win32Exception e)
        {
            throw Fail(executable, source, $"it could not be run ({e.Message})");
        }

        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement root = json.RootElement;
        var version = Version.Parse(root.GetProperty("version").GetString()!);
        if (version.Major != 3 || version.Minor < 10)
        {
            throw Fail(executable, source, $"it is Python {version}; CPython 3.10 or newer is needed");
        }
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
        var sysPath = root.GetProperty("path").EnumerateArray().Select(p => p.GetString()!).ToList();
        return new PythonInstallation(executable, version, library, prefix, basePrefix, sysPath);
    }

    private static PythonNotFoundException Fail(string executable, string source, string reason) =>
        new($"No usable Python: tried '{executable}' from {source}, but {reason}. " +
            $"Point the 'python' setting or the {EnvironmentVariable} environment variable at a CPython 3.10+ " +
            "executable built with a shared libpython (Debian/Ubuntu python3, a venv or conda env, or pyenv with " +
            "PYTHON_CONFIGURE_OPTS=--enable-shared).");
}
