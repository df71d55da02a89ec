using DqnBridge.Envs;

namespace DqnBridge.Cli.Tests;

/// <summary>Why ids cannot be made, grouped per reason: each reason the environment layer reports (a missing ROM or package).</summary>
[TestClass]
public sealed class UnavailableGroupTests
{
    private static readonly EnvUnavailability MuJoCo = EnvUnavailability.MissingDependency("MuJoCo", "needs mujoco", "pip install \"gymnasium[mujoco]\"");

    private static IEnumerable<object[]> Reasons =>
    [
        ["ALE/Pong-v5", EnvUnavailability.MissingRom("pong", "/roms"), "1 ALE id: no ROM in /roms; fix: put each game's ROM there as GAME.bin (e.g. pong.bin)"],
        ["ALE/Pong-v5", EnvUnavailability.MissingDependency("ALE", "needs ale-py", "pip install ale-py"), "1 ALE id: needs ale-py; fix: pip install ale-py"],
        ["PongNoFrameskip-v4", EnvUnavailability.MissingDependency("ALE", "the atari wrappers need OpenCV", "pip install opencv-python-headless"),
            "1 ALE id: the atari wrappers need OpenCV; fix: pip install opencv-python-headless"],
        ["Ant-v5", MuJoCo, "1 MuJoCo id: needs mujoco; fix: pip install \"gymnasium[mujoco]\""],
        ["LunarLander-v3", EnvUnavailability.MissingDependency("Box2D", "needs Box2D", "pip install \"gymnasium[box2d]\""),
            "1 Box2D id: needs Box2D; fix: pip install \"gymnasium[box2d]\""],
    ];

    [TestMethod]
    [DynamicData(nameof(Reasons))]
    public void EachReasonNamesItsFamilyAndFix(string id, EnvUnavailability reason, string line)
    {
        var group = UnavailableGroup.Of([new EnvironmentListing(id, "gymnasium", "-", "") { Unavailable = reason }]).Single();

        Assert.AreEqual(line, group.Describe());
    }

    [TestMethod]
    public void IdsMissingTheSameThingShareAGroupLargestFirstAndTheOthersAreLeftOut()
    {
        EnvironmentListing Listing(string id, EnvUnavailability? reason) => new(id, "gymnasium", "-", "") { Unavailable = reason };

        var groups = UnavailableGroup.Of(
        [
            Listing("Ant-v5", MuJoCo),
            Listing("ALE/Pong-v5", EnvUnavailability.MissingRom("pong", "/roms")),
            Listing("CartPole-v1", null),
            Listing("ALE/Alien-v5", EnvUnavailability.MissingRom("alien", "/roms")),
            Listing("AlienNoFrameskip-v4", EnvUnavailability.MissingRom("alien", "/roms")),
            Listing("ALE/Tetris-v5", EnvUnavailability.MissingRom("tetris", "/other/roms")),
        ]);

        CollectionAssert.AreEqual(new[] { "ALE/Pong-v5", "ALE/Alien-v5", "AlienNoFrameskip-v4" }, groups[0].Ids.ToArray());
        Assert.AreEqual("  3 ALE ids: no ROM in /roms; fix: put each game's ROM there as GAME.bin (e.g. pong.bin)", groups[0].Describe(countWidth: 3));
        CollectionAssert.AreEquivalent(new[] { "Ant-v5", "ALE/Tetris-v5" }, groups.Skip(1).SelectMany(g => g.Ids).ToArray(), "another ROM folder is another group");
        Assert.HasCount(3, groups);
    }
}
