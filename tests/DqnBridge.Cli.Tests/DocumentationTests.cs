namespace DqnBridge.Cli.Tests;

/// <summary>Pages generated from the code are the ones the code generates today.</summary>
[TestClass]
public sealed class DocumentationTests
{
    private static string RepositoryFile(string relativePath) => Enumerable.Range(0, 8)
        .Select(up => Path.Combine([AppContext.BaseDirectory, .. Enumerable.Repeat("..", up), relativePath]))
        .First(File.Exists);

    private static List<string> GeneratedKeyTable() =>
        [.. CliRun.Invoke(new FakeBackend(), "config", "keys", "--format", "markdown").Output.ReplaceLineEndings().TrimEnd('\n').Split('\n')];

    [TestMethod]
    public void ConfigKeysPageHoldsTheGeneratedTable()
    {
        var table = GeneratedKeyTable();
        var page = File.ReadAllText(RepositoryFile(Path.Combine("docs", "config-keys.md"))).ReplaceLineEndings().Split('\n').ToList();

        var start = page.IndexOf(table[0]);
        Assert.IsGreaterThanOrEqualTo(0, start, "docs/config-keys.md has no key table; paste the output of `dqnbridge config keys --format markdown`.");
        CollectionAssert.AreEqual(table, page.Skip(start).TakeWhile(line => line.StartsWith('|')).ToList(),
            "docs/config-keys.md is out of date: replace its table with the output of `dqnbridge config keys --format markdown`.");
    }

    [TestMethod]
    public void AKeyTableInTheReadmeIsTheGeneratedOne()
    {
        var table = GeneratedKeyTable();
        var readme = File.ReadAllText(RepositoryFile("README.md")).ReplaceLineEndings().Split('\n').ToList();

        var start = readme.IndexOf(table[0]);
        if (start < 0)
        {
            // The README links to docs/config-keys.md instead: then no row of an old table is left in it either.
            var keyRows = readme.Where(line => ConfigKeys.All.Any(key => line.StartsWith($"| `{key.Name}` |", StringComparison.Ordinal))).ToList();
            Assert.IsEmpty(keyRows, "README.md holds key rows without the generated table's header: " + string.Join("\n", keyRows));
            return;
        }

        CollectionAssert.AreEqual(table, readme.Skip(start).TakeWhile(line => line.StartsWith('|')).ToList(),
            "README.md's key table is out of date: paste the table of `dqnbridge config keys --format markdown`, or link to docs/config-keys.md.");
    }
}
