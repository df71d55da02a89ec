namespace DqnBridge.Cli.Tests;

/// <summary>Files written whole or not at all.</summary>
[TestClass]
public sealed class AtomicFileTests
{
    [TestMethod]
    public void AtomicCsvQuotesAndLeavesNoTemporaryFile()
    {
        var folder = Directory.CreateTempSubdirectory("dqnbridge-csv-").FullName;
        try
        {
            var path = Path.Combine(folder, "a.csv");
            AtomicFile.WriteCsv(path, ["a", "b"], [["1,5", "say \"hi\""]]);
            Assert.AreEqual("a,b\n\"1,5\",\"say \"\"hi\"\"\"\n", File.ReadAllText(path).Replace("\r\n", "\n"));
            Assert.HasCount(1, Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
