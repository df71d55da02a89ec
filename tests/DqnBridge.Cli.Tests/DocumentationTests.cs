namespace DqnBridge.Cli.Tests;

/// <summary>Pages generated from the code are the ones the code generates today; tables that name tests name real ones.</summary>
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
    [TestMethod]
    public void EveryRowOfTheFaultTableNamesATestThatExists()
    {
        var page = File.ReadAllText(RepositoryFile(Path.Combine("docs", "exit-codes-and-faults.md"))).ReplaceLineEndings().Split('\n');
        var rows = page.SkipWhile(line => line != "## Tested fault and bad-input cases").Skip(1).TakeWhile(line => !line.StartsWith("## ", StringComparison.Ordinal))
            .Where(line => line.StartsWith("| ", StringComparison.Ordinal)).Skip(1).ToList();
        Assert.IsGreaterThan(30, rows.Count, "the table of tested cases");

        var tests = typeof(DocumentationTests).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods().Where(method => method.IsDefined(typeof(TestMethodAttribute), inherit: false)).Select(method => $"{type.Name}.{method.Name}"))
            .ToHashSet(StringComparer.Ordinal);
        foreach (string row in rows.Where(row => !row.StartsWith("|---", StringComparison.Ordinal)))
        {
            string testColumn = row.TrimEnd().TrimEnd('|').Split(" | ")[^1];
            var named = System.Text.RegularExpressions.Regex.Matches(testColumn, @"`(\w+\.\w+)`").Select(match => match.Groups[1].Value).ToList();
            if (named.Count == 0)
            {
                Assert.AreEqual("the same test", testColumn.Trim(), $"a row without a test: {row}");
                continue;
            }
            foreach (string test in named)
            {
                Assert.Contains(test, tests, $"docs/exit-codes-and-faults.md names a test that does not exist: {row}");
            }
        }
    }
}
