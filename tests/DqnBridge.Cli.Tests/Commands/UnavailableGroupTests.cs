namespace DqnBridge.Cli.Tests;

/// <summary>Why ids cannot be made, grouped per reason: each wording the environment layer uses, and any other.</summary>
[TestClass]
public sealed class UnavailableGroupTests
{
    [TestMethod]
    [DataRow("ALE/Pong-v5", "no ROM for 'pong' in /roms", "1 ALE id: no ROM in /roms; fix: put each game's ROM there as GAME.bin (e.g. pong.bin)")]
    [DataRow("ALE/Pong-v5", "needs ale-py (pip install ale-py)", "1 ALE id: needs ale-py; fix: pip install ale-py")]
    [DataRow("PongNoFrameskip-v4", "the atari wrappers need OpenCV (pip install opencv-python-headless)",
        "1 ALE id: the atari wrappers need OpenCV; fix: pip install opencv-python-headless")]
    [DataRow("Ant-v5", "needs mujoco (pip install \"gymnasium[mujoco]\")", "1 MuJoCo id: needs mujoco; fix: pip install \"gymnasium[mujoco]\"")]
    [DataRow("LunarLander-v3", "needs Box2D (pip install \"gymnasium[box2d]\")", "1 Box2D id: needs Box2D; fix: pip install \"gymnasium[box2d]\"")]
    [DataRow("shimmy/Thing-v0", "cannot import shimmy", "1 shimmy id: cannot import shimmy")]
    [DataRow("Thing-v0", "cannot import shimmy", "1 Gymnasium id: cannot import shimmy")]
    public void EachReasonNamesItsFamilyAndFix(string id, string reason, string line)
    {
        var group = UnavailableGroup.Of([new EnvironmentListing(id, "gymnasium", "-", "") { Unavailable = reason }]).Single();

        Assert.AreEqual(line, group.Describe());
    }

    [TestMethod]
    public void IdsMissingTheSameThingShareAGroupLargestFirstAndTheOthersAreLeftOut()
    {
        EnvironmentListing Listing(string id, string? reason) => new(id, "gymnasium", "-", "") { Unavailable = reason };

        var groups = UnavailableGroup.Of(
        [
            Listing("Ant-v5", "needs mujoco (pip install \"gymnasium[mujoco]\")"),
            Listing("ALE/Pong-v5", "no ROM for 'pong' in /roms"),
            Listing("CartPole-v1", null),
            Listing("ALE/Alien-v5", "no ROM for 'alien' in /roms"),
            Listing("AlienNoFrameskip-v4", "no ROM for 'alien' in /roms"),
            Listing("ALE/Tetris-v5", "no ROM for 'tetris' in /other/roms"),
        ]);

        CollectionAssert.AreEqual(new[] { "ALE/Pong-v5", "ALE/Alien-v5", "AlienNoFrameskip-v4" }, groups[0].Ids.ToArray());
        Assert.AreEqual("  3 ALE ids: no ROM in /roms; fix: put each game's ROM there as GAME.bin (e.g. pong.bin)", groups[0].Describe(countWidth: 3));
        CollectionAssert.AreEquivalent(new[] { "Ant-v5", "ALE/Tetris-v5" }, groups.Skip(1).SelectMany(g => g.Ids).ToArray(), "another ROM folder is another group");
        Assert.HasCount(3, groups);
    }
}
