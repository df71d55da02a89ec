using System.CommandLine;
using System.Globalization;

namespace DqnBridge.Cli.Commands;

/// <summary>
/// What the command line is rewritten to before System.CommandLine parses it: the default command, list options that
/// take one value per occurrence, and options whose value starts with a dash.
/// </summary>
public static class ArgumentRewriter
{
    /// <summary>Options that take several values (`--seeds 1 2 3`).</summary>
    private static readonly HashSet<string> ListOptions = ["--seeds", "--envs", "--reference"];

    /// <summary>Options whose value is itself an option of another program (`--slurm-arg --partition=gpu`).</summary>
    private static readonly HashSet<string> ForeignOptionValues = ["--slurm-arg"];

    public static string[] Rewrite(RootCommand root, string[] args) => RepeatListOptions(WithDefaultCommand(root, args));

    /// <summary>`dqnbridge --env CartPole-v1` means `dqnbridge train --env CartPole-v1`.</summary>
    private static string[] WithDefaultCommand(RootCommand root, string[] args)
    {
        var first = args.FirstOrDefault();
        var named = first is not null && (root.Subcommands.Any(c => c.Name == first) || first is "-h" or "--help" or "-?" or "/?" or "/h" or "--version");
        return named ? args : ["train", .. args];
    }

    /// <summary>
    /// `--seeds 1 2 key=value` becomes `--seeds 1 --seeds 2 key=value`: each list option takes one value per
    /// occurrence, so the values stop at the first key=value (or option) and no override is swallowed as a seed or an id.
    /// </summary>
    private static string[] RepeatListOptions(string[] args)
    {
        var result = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            result.Add(args[i]);
            if (args[i] == "--")
            {
                result.AddRange(args[(i + 1)..]);
                break;
            }
            // `--slurm-arg --partition=gpu` would read its value as an option of ours: keep the two together.
            if (ForeignOptionValues.Contains(args[i]) && i + 1 < args.Length)
            {
                result[^1] = args[i] + "=" + args[++i];
                continue;
            }
            if (!ListOptions.Contains(args[i]))
            {
                continue;
            }

            var option = args[i];
            var first = true;
            while (i + 1 < args.Length && IsListValue(args[i + 1]))
            {
                if (!first)
                {
                    result.Add(option);
                }

                result.Add(args[++i]);
                first = false;
            }
        }
        return [.. result];
    }

    private static bool IsListValue(string token) =>
        !token.Contains('=') && (!token.StartsWith('-') || long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _));
}
