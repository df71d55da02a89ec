using System.Runtime.InteropServices;
using System.Text;
using DqnBridge.Cli.Commands;

namespace DqnBridge.Cli.Output;

/// <summary>
/// The one-writer-per-run-folder rule: an exclusive OS lock on runs/NAME/dqnbridge.lock, held by train, resume and
/// each benchmark cell for as long as they write the folder. On Linux .NET takes it with flock(LOCK_EX) when a file
/// is opened with FileShare.None, and the kernel drops it when the process ends however it ends (kill -9
/// included), so a crash never leaves a stale lock. The file holds the holder's PID and host for the message
/// another process gets; it is never deleted (deleting a lock file lets two processes lock two different files).
/// (Setting DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1 turns .NET's flock, and with it this rule, off.)
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = "dqnbridge.lock";

    private readonly FileStream _stream;

    private RunLock(FileStream stream, string runDirectory)
    {
        _stream = stream;
        RunDirectory = runDirectory;
    }

    public string RunDirectory { get; }

    /// <summary>
    /// Locks <paramref name="runDirectory"/> (which must exist) or throws exit 1 naming the process that holds it.
    /// Without <paramref name="recordOwner"/> the lock file's text (the previous holder) is left as it is until
    /// <see cref="RecordOwner"/>, so a command that looks and then refuses rewrites nothing.
    /// </summary>
    public static RunLock Acquire(string runDirectory, bool recordOwner = true) =>
        TryAcquire(runDirectory, out var holder, recordOwner) ?? throw new CliException(
            $"Run folder '{runDirectory}' is in use by {holder}: two processes cannot write one run. " +
            "Wait for it to finish or stop it (Ctrl+C or SIGTERM writes a checkpoint), or choose another --run-name.");

    /// <summary>
    /// Locks <paramref name="runDirectory"/> (which must exist), or returns null when another process holds it, with
    /// <paramref name="holder"/> naming that process ("process 1234 on host since ..."). Other failures throw exit 1.
    /// </summary>
    public static RunLock? TryAcquire(string runDirectory, out string holder, bool recordOwner = true)
    {
        string path = Path.Combine(runDirectory, FileName);
        holder = "";
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException) && File.Exists(path))
        {
            // Opening an existing file can only fail this way when another open file holds the lock.
            holder = Holder(path);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot lock the run folder '{runDirectory}': {e.Message}\nChoose a writable folder with runs_dir=PATH.");
        }
        var runLock = new RunLock(stream, runDirectory);
        if (recordOwner)
        {
            try
            {
                runLock.RecordOwner();
            }
            catch
            {
                runLock.Dispose();
                throw;
            }
        }
        return runLock;
    }

    /// <summary>Writes this process's PID and host into the lock file, for the message another process gets.</summary>
    public void RecordOwner()
    {
        var owner = Encoding.UTF8.GetBytes(
            $"pid {Environment.ProcessId} on {Environment.MachineName} since {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss} UTC\n");
        _stream.SetLength(0);
        _stream.Write(owner);
        _stream.Flush(flushToDisk: false);
    }

    /// <summary>Whether <paramref name="runDirectory"/> holds anything besides its lock file (a run that must not be overwritten by accident).</summary>
    public static bool HoldsARun(string runDirectory) =>
        Directory.Exists(runDirectory) && Directory.EnumerateFileSystemEntries(runDirectory).Any(entry => Path.GetFileName(entry) != FileName);

    public void Dispose() => _stream.Dispose();

    /// <summary>"process 1234 on host since ..." from the lock file, read without taking the lock (any .NET open would try to).</summary>
    private static string Holder(string path)
    {
        const string unknown = "another process";
        if (OperatingSystem.IsWindows())
        {
            return unknown;
        }

        int fd = open(path, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            return unknown;
        }

        try
        {
            var buffer = new byte[256];
            nint count = read(fd, buffer, buffer.Length);
            string text = count > 0 ? Encoding.UTF8.GetString(buffer, 0, (int)count).Trim() : "";
            return text.StartsWith("pid ", StringComparison.Ordinal) ? "process " + text[4..] : unknown;
        }
        finally
        {
            _ = close(fd);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint read(int fd, byte[] buffer, nint count);

    [DllImport("libc")]
    private static extern int close(int fd);
}
