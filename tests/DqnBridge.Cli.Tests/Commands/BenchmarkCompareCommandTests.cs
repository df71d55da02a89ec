using DqnBridge.Cli.Benchmarking;

namespace DqnBridge.Cli.Tests;

/// <summary>`benchmark compare` on tiny hand-made benchmark folders whose answers are known.</summary>
[TestClass]
public sealed class BenchmarkCompareCommandTests : TempRunsFolderTestBase
{
    [TestMethod]
    public void CompareWritesEachSeedsStepsToTheReferencesFinalReturnAndTheTables()
    {
        // As in StepsToReachTests: the reference ends at 20 and 40 (threshold 30); our seed 1 reaches 30 at step
        // 1,300, seed 2 (always 10) never. Acrobot-v1 is in a second pair of folders: both end at -100 and reach it
        // after their 100th episode (step 1,000).
        var ours = Folder("rainbow", "CartPole-v1", [[.. Enumerable.Repeat(0.0, 100), .. Enumerable.Repeat(100.0, 100)], [.. Enumerable.Repeat(10.0, 200)]]);
        var reference = Folder("dqn", "CartPole-v1", [[.. Enumerable.Repeat(20.0, 100)], [.. Enumerable.Repeat(40.0, 100)]]);
        var oursAcrobot = Folder("rainbow-acrobot", "Acrobot-v1", [[.. Enumerable.Repeat(-100.0, 100)]]);
        var referenceAcrobot = Folder("dqn-acrobot", "Acrobot-v1", [[.. Enumerable.Repeat(-100.0, 100)]]);
        var output = Path.Combine(Runs, "comparison");

        var compare = CliRun.Invoke(new FakeBackend(), "benchmark", "compare", ours, oursAcrobot, "--reference", reference, referenceAcrobot,
            "--label", "rainbow", "--reference-label", "dqn", "-o", output);

        Assert.AreEqual(ExitCodes.Ok, compare.ExitCode, compare.All);
        CollectionAssert.AreEqual(new[]
        {
            "env_id,algorithm,seed,steps,episodes,last100_mean_return,threshold,steps_to_threshold",
            "CartPole-v1,rainbow,1,2000,200,100,30,1300",
            "CartPole-v1,rainbow,2,2000,200,10,30,",
            "CartPole-v1,dqn,1,1000,100,20,30,",
            "CartPole-v1,dqn,2,1000,100,40,30,1000",
            "Acrobot-v1,rainbow,1,1000,100,-100,-100,1000",
            "Acrobot-v1,dqn,1,1000,100,-100,-100,1000",
        }, File.ReadAllLines(Path.Combine(output, BenchmarkCompare.CompareCsv)));
        var markdown = File.ReadAllText(Path.Combine(output, BenchmarkCompare.CompareMarkdown));
        StringAssert.Contains(markdown, "| CartPole-v1 | 2,000 | 30.00 | 1/2 | not reached | not reached | 1: 1,300; 2: not reached | 1/2 | not reached |");
        StringAssert.Contains(markdown, "| Acrobot-v1 | 1,000 | -100.00 | 1/1 | 1,000 | 1,000 | 1: 1,000 | 1/1 | 1,000 |");
        StringAssert.Contains(markdown, "| CartPole-v1 | 55.00 ± 45.00 (2) | 55.00 |");
        StringAssert.Contains(compare.Output, markdown.Split('\n')[0], "the tables are printed too");
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(output, BenchmarkCompare.ComparePlot))[..4], "a PNG");
    }

    [TestMethod]
    public void AnEnvironmentTheReferenceLacksIsAUsageErrorNamingIt()
    {
        var ours = Folder("rainbow", "Acrobot-v1", [[.. Enumerable.Repeat(-100.0, 100)]]);
        var reference = Folder("dqn", "CartPole-v1", [[.. Enumerable.Repeat(20.0, 100)]]);

        var compare = CliRun.Invoke(new FakeBackend(), "benchmark", "compare", ours, "--reference", reference);

        Assert.AreEqual(ExitCodes.UsageError, compare.ExitCode, compare.All);
        StringAssert.Contains(compare.Error, "have no Acrobot-v1");
        Assert.IsFalse(File.Exists(Path.Combine(ours, BenchmarkCompare.CompareCsv)));
    }

    [TestMethod]
    public void AnUnfinishedBenchmarkIsRefusedNamingItsMissingCells()
    {
        var ours = Folder("rainbow", "CartPole-v1", [[.. Enumerable.Repeat(10.0, 100)], [.. Enumerable.Repeat(10.0, 100)]]);
        var reference = Folder("dqn", "CartPole-v1", [[.. Enumerable.Repeat(20.0, 100)]]);
        File.Delete(Path.Combine(ours, "CartPole-v1__seed_2", CellResult.FileName));

        var compare = CliRun.Invoke(new FakeBackend(), "benchmark", "compare", ours, "--reference", reference);

        Assert.AreEqual(ExitCodes.RuntimeError, compare.ExitCode, compare.All);
        StringAssert.Contains(compare.Error, "CartPole-v1__seed_2 have no result yet");
    }

    /// <summary>A finished benchmark folder of one environment, seeds 1, 2, ..., one per list of episode returns (episode i ends at step 10 i).</summary>
    private string Folder(string name, string envId, double[][] seeds)
    {
        var folder = Path.Combine(Runs, name);
        Directory.CreateDirectory(folder);
        new GridManifest([envId], [.. Enumerable.Range(1, seeds.Length)], null, []).WriteOrCheck(folder);
        foreach (var cell in new BenchmarkGrid([envId], [.. Enumerable.Range(1, seeds.Length)]).Cells)
        {
            var (result, episodes) = StepsToReachTests.Seed(envId, cell.Seed, seeds[cell.Seed - 1]);
            var run = Path.Combine(folder, cell.FolderName, ShardRunner.RunFolderName);
            Directory.CreateDirectory(run);
            File.WriteAllLines(Path.Combine(run, TrainingRun.EpisodesFile),
                ["global_step,episode,return,length,epsilon,wall_time", .. episodes.Select((e, i) => FormattableString.Invariant($"{e.Step},{i + 1},{e.Return},10,0.05,{i}"))]);
            result.Write(Path.Combine(folder, cell.FolderName, CellResult.FileName));
        }
        return folder;
    }
}
