namespace DqnBridge.Cli.Tests;

/// <summary>Tables as boxes, plain aligned lines and markdown.</summary>
[TestClass]
public sealed class TextTableTests
{
    private static TextTable Sample() => new TextTable(new TextColumn("Name", Code: true), new TextColumn("Choices"), new TextColumn("Meaning"))
        .AddRow("a", "x|y", "short")
        .AddRow("longer_name", "z", "two\nlines")
        .AddRow("b", "", "");

    [TestMethod]
    public void PlainAlignsTheColumnsOneLinePerRowWithoutTrailingSpaces()
    {
        CollectionAssert.AreEqual(
            new[]
            {
                "Name         Choices  Meaning",
                "a            x|y      short",
                "longer_name  z        two lines",
                "b",
                "",
            },
            Sample().ToPlain().Split('\n'));
    }

    [TestMethod]
    public void MarkdownEscapesPipesAndShowsCodeColumnsAsCode()
    {
        CollectionAssert.AreEqual(
            new[]
            {
                "| Name | Choices | Meaning |",
                "|---|---|---|",
                "| `a` | x \\| y | short |",
                "| `longer_name` | z | two lines |",
                "| `b` |  |  |",
                "",
            },
            Sample().ToMarkdown().Split('\n'));
    }

    [TestMethod]
    public void ARowMustHaveACellPerColumn()
    {
        var table = new TextTable(new TextColumn("One"), new TextColumn("Two"));

        var error = Assert.ThrowsExactly<ArgumentException>(() => table.AddRow("only one"));
        StringAssert.Contains(error.Message, "2 cells, not 1");
    }
}
