namespace DqnBridge.Cli.Benchmarking;

/// <summary>Words for the bash lines of the batch scripts --slurm writes: bare when that is safe, else single-quoted.</summary>
public static class ShellWords
{
    public static string Quote(string word) =>
        word.Length > 0 && word.All(IsPlain) ? word : "'" + word.Replace("'", "'\\''") + "'";

    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    /// <summary>Characters bash gives no meaning to inside a word (no globbing, expansion, splitting or redirection).</summary>
    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or '=' or ':' or ',' or '+' or '@' or '%';
}
