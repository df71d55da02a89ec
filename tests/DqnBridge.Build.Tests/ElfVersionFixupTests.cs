using System.Reflection;

namespace DqnBridge.Build.Tests;

/// <summary>The libstdc++ fix-up: when it patches, when it leaves a library alone, and that patching is exact.</summary>
[TestClass]
public sealed class ElfVersionFixupTests
{
    const string IosBaseInit = "_ZSt21ios_base_library_initv";

    static readonly HashSet<string> Debian12Versions = Enumerable.Range(0, 31).Select(minor => $"GLIBCXX_3.4.{minor}").Append("GLIBCXX_3.4").ToHashSet();
    static readonly HashSet<string> Gcc13Versions = Enumerable.Range(0, 33).Select(minor => $"GLIBCXX_3.4.{minor}").Append("GLIBCXX_3.4").ToHashSet();

    static VersionRequirement Requirement(string version, params string[] symbols) =>
        new("libstdc++.so.6", version, flags: 0, flagsOffset: 0, symbols);

    [TestMethod]
    public void WeakensAMissingVersionNeededOnlyByANeverCalledSymbol()
    {
        var requirements = new[] { Requirement("GLIBCXX_3.4.32", IosBaseInit), Requirement("GLIBCXX_3.4.21", "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE9_M_createERmm") };

        var decision = ElfVersionFixup.Decide(requirements, Debian12Versions);

        Assert.IsTrue(decision.NeedsPatch);
        Assert.AreEqual("GLIBCXX_3.4.32", decision.ToWeaken.Single().Version);
        Assert.IsEmpty(decision.UnsafeMissing);
    }

    [TestMethod]
    public void DoesNothingWhenTheSystemLibraryHasEveryVersion()
    {
        var requirements = new[] { Requirement("GLIBCXX_3.4.32", IosBaseInit), Requirement("GLIBCXX_3.4.21", "_ZdlPv") };

        var decision = ElfVersionFixup.Decide(requirements, Gcc13Versions);

        Assert.IsFalse(decision.NeedsPatch);
        Assert.IsEmpty(decision.UnsafeMissing);
    }

    [TestMethod]
    public void RefusesToWeakenAMissingVersionWhoseSymbolsMayBeCalled()
    {
        var requirements = new[] { Requirement("GLIBCXX_3.4.32", IosBaseInit, "_ZNSt8ios_base4InitC1Ev") };

        var decision = ElfVersionFixup.Decide(requirements, Debian12Versions);

        Assert.IsFalse(decision.NeedsPatch);
        Assert.AreEqual("GLIBCXX_3.4.32", decision.UnsafeMissing.Single().Version);
    }

    [TestMethod]
    public void IgnoresRequirementsOnOtherLibrariesAndOnesAlreadyWeak()
    {
        var requirements = new[]
        {
            new VersionRequirement("libc.so.6", "GLIBC_9.99", 0, 0, ["memcpy"]),
            new VersionRequirement("libstdc++.so.6", "GLIBCXX_3.4.32", ElfVersionFixup.VerFlagWeak, 0, [IosBaseInit]),
        };

        var decision = ElfVersionFixup.Decide(requirements, Debian12Versions);

        Assert.IsFalse(decision.NeedsPatch);
        Assert.IsEmpty(decision.UnsafeMissing);
    }

    [TestMethod]
    public void ReadsTheLdconfigCacheForThe64BitLibrary()
    {
        const string output = """
            1234 libs found in cache `/etc/ld.so.cache'
            	libstdc++.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6
            	libstdc++.so.6 (libc6) => /usr/lib32/libstdc++.so.6
            	libstdc++fs.so (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++fs.so
            """;

        var paths = ElfVersionFixup.ParseLdconfigCache(output);

        CollectionAssert.AreEqual(new[] { "/lib/x86_64-linux-gnu/libstdc++.so.6" }, paths);
    }

    [TestMethod]
    public void ReadsTorchSharpsRealRequirementsAndPatchesACopyExactlyOnce()
    {
        string original = Path.Combine(NuGetPackageRoot(), "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(original))
        {
            Assert.Inconclusive($"TorchSharp's native library is not in the NuGet cache at {original}.");
        }

        byte[] bytes = File.ReadAllBytes(original);

        var requirement = ElfVersionFixup.ReadVersionRequirements(bytes).Single(r => r.Version == "GLIBCXX_3.4.32");
        Assert.AreEqual("libstdc++.so.6", requirement.Library);
        CollectionAssert.AreEqual(new[] { IosBaseInit }, requirement.Symbols.ToArray());
        Assert.IsFalse(requirement.IsWeak, "the NuGet cache's copy must never be patched");

        string copy = Path.Combine(Path.GetTempPath(), $"libLibTorchSharp-{Guid.NewGuid():N}.so");
        try
        {
            File.Copy(original, copy);
            var first = ElfVersionFixup.PatchFile(copy, Debian12Versions);
            var second = ElfVersionFixup.PatchFile(copy, Debian12Versions);
            byte[] patched = File.ReadAllBytes(copy);

            Assert.AreEqual("GLIBCXX_3.4.32", first.ToWeaken.Single().Version);
            Assert.IsFalse(second.NeedsPatch, "a second run must find nothing to do");
            Assert.IsTrue(ElfVersionFixup.ReadVersionRequirements(patched).Single(r => r.Version == "GLIBCXX_3.4.32").IsWeak);
            var changed = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] != patched[i]).ToArray();
            CollectionAssert.AreEqual(new[] { (int)requirement.FlagsOffset }, changed, "only the one flags byte may change");
            Assert.AreEqual(File.GetLastWriteTimeUtc(original), File.GetLastWriteTimeUtc(copy), "the timestamp is kept so incremental builds skip the copy");
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [TestMethod]
    public void LeavesTheLibraryAloneOnASystemWithANewerLibstdcxx()
    {
        string original = Path.Combine(NuGetPackageRoot(), "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!File.Exists(original))
        {
            Assert.Inconclusive($"TorchSharp's native library is not in the NuGet cache at {original}.");
        }

        string copy = Path.Combine(Path.GetTempPath(), $"libLibTorchSharp-{Guid.NewGuid():N}.so");
        try
        {
            File.Copy(original, copy);
            var decision = ElfVersionFixup.PatchFile(copy, Gcc13Versions);
            Assert.IsFalse(decision.NeedsPatch);
            CollectionAssert.AreEqual(File.ReadAllBytes(original), File.ReadAllBytes(copy));
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [TestMethod]
    public void ReadsTheVersionDefinitionsOfTheSystemLibstdcxx()
    {
        string? system = ElfVersionFixup.FindSystemLibstdcxx();
        if (system is null)
        {
            Assert.Inconclusive("no libstdc++.so.6 on this machine");
        }

        var versions = ElfVersionFixup.ReadVersionDefinitions(File.ReadAllBytes(system));

        Assert.Contains("GLIBCXX_3.4.30", versions, $"{system} should define at least GCC 12's versions");
        Assert.Contains("CXXABI_1.3", versions);
    }

    [TestMethod]
    public void BuildOutputCopyLoadsOnThisSystem()
    {
        string output = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        string? system = ElfVersionFixup.FindSystemLibstdcxx();
        if (system is null)
        {
            Assert.Inconclusive("no libstdc++.so.6 on this machine");
        }

        var systemVersions = ElfVersionFixup.ReadVersionDefinitions(File.ReadAllBytes(system));

        var stillMissing = ElfVersionFixup.ReadVersionRequirements(File.ReadAllBytes(output))
            .Where(r => r.Library.StartsWith("libstdc++", StringComparison.Ordinal) && !r.IsWeak && !systemVersions.Contains(r.Version))
            .Select(r => r.Version)
            .ToList();

        Assert.IsEmpty(stillMissing, $"the build should have weakened these in {output}");
    }

    static string NuGetPackageRoot() =>
        typeof(ElfVersionFixupTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "NuGetPackageRoot").Value
        ?? throw new InvalidOperationException("NuGetPackageRoot was not recorded at build time");
}
