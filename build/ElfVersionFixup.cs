// Makes TorchSharp's native library load on systems whose libstdc++ is older than the one it was
// linked against (Debian 12, Ubuntu 22.04). libLibTorchSharp.so asks for GLIBCXX_3.4.32 only for
// std::ios_base_library_init(), which it references but never calls. Marking that one version
// requirement weak (VER_FLG_WEAK) lets the dynamic loader accept the library.
//
// This file is compiled twice: as an MSBuild inline task (RoslynCodeTaskFactory, netstandard2.0,
// so only old APIs are used) and into the build tests, which define DQNBRIDGE_TESTS.
#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace DqnBridge.Build;

/// <summary>One version a shared library needs from another (a Vernaux entry of .gnu.version_r).</summary>
public sealed class VersionRequirement
{
    public VersionRequirement(string library, string version, ushort flags, long flagsOffset, IReadOnlyList<string> symbols)
    {
        Library = library;
        Version = version;
        Flags = flags;
        FlagsOffset = flagsOffset;
        Symbols = symbols;
    }

    public string Library { get; }
    public string Version { get; }
    public ushort Flags { get; }

    /// <summary>File offset of the entry's vna_flags field.</summary>
    public long FlagsOffset { get; }

    /// <summary>Undefined dynamic symbols bound to this version.</summary>
    public IReadOnlyList<string> Symbols { get; }

    public bool IsWeak => (Flags & ElfVersionFixup.VerFlagWeak) != 0;
}

/// <summary>What to do with one library: which requirements to weaken, and which cannot be made safe.</summary>
public sealed class FixupDecision
{
    public FixupDecision(IReadOnlyList<VersionRequirement> toWeaken, IReadOnlyList<VersionRequirement> unsafeMissing)
    {
        ToWeaken = toWeaken;
        UnsafeMissing = unsafeMissing;
    }

    public IReadOnlyList<VersionRequirement> ToWeaken { get; }

    /// <summary>Missing versions whose symbols the library may really call: weakening them would only move the failure.</summary>
    public IReadOnlyList<VersionRequirement> UnsafeMissing { get; }

    public bool NeedsPatch => ToWeaken.Count > 0;
}

public static class ElfVersionFixup
{
    public const ushort VerFlagWeak = 0x2;

    /// <summary>Symbols known to be referenced but never called by libLibTorchSharp.so.</summary>
    public static readonly IReadOnlyCollection<string> NeverCalledSymbols = new[] { "_ZSt21ios_base_library_initv" };

    const uint ShtDynsym = 11;
    const uint ShtGnuVerdef = 0x6ffffffd;
    const uint ShtGnuVerneed = 0x6ffffffe;
    const uint ShtGnuVersym = 0x6fffffff;

    /// <summary>
    /// Decides which libstdc++ version requirements to mark weak: those the system library does not
    /// define, are not weak already, and are needed only by symbols that are never called.
    /// </summary>
    public static FixupDecision Decide(IEnumerable<VersionRequirement> requirements, ICollection<string> systemVersions)
    {
        var toWeaken = new List<VersionRequirement>();
        var unsafeMissing = new List<VersionRequirement>();
        foreach (var requirement in requirements)
        {
            if (!requirement.Library.StartsWith("libstdc++.so", StringComparison.Ordinal))
            {
                continue;
            }

            if (requirement.IsWeak || systemVersions.Contains(requirement.Version))
            {
                continue;
            }

            if (requirement.Symbols.All(symbol => NeverCalledSymbols.Contains(symbol)))
            {
                toWeaken.Add(requirement);
            }
            else
            {
                unsafeMissing.Add(requirement);
            }
        }
        return new FixupDecision(toWeaken, unsafeMissing);
    }

    /// <summary>The version names a shared library defines (.gnu.version_d), e.g. GLIBCXX_3.4.30.</summary>
    public static HashSet<string> ReadVersionDefinitions(byte[] elf)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var sections = ReadSections(elf);
        foreach (var verdef in sections.Where(s => s.Type == ShtGnuVerdef))
        {
            var strtab = sections[(int)verdef.Link];
            long entry = verdef.Offset;
            for (int i = 0; i < verdef.Info; i++)
            {
                ushort auxCount = U16(elf, entry + 6);
                uint auxOffset = U32(elf, entry + 12);
                long aux = entry + auxOffset;
                for (int j = 0; j < auxCount; j++)
                {
                    names.Add(CString(elf, strtab.Offset + U32(elf, aux)));
                    aux += U32(elf, aux + 4);
                }
                uint next = U32(elf, entry + 16);
                if (next == 0)
                {
                    break;
                }

                entry += next;
            }
        }
        return names;
    }

    /// <summary>The versions a shared library needs (.gnu.version_r), with the symbols bound to each.</summary>
    public static List<VersionRequirement> ReadVersionRequirements(byte[] elf)
    {
        var sections = ReadSections(elf);
        var symbolsByVersionIndex = ReadUndefinedSymbolsByVersion(elf, sections);
        var result = new List<VersionRequirement>();
        foreach (var verneed in sections.Where(s => s.Type == ShtGnuVerneed))
        {
            var strtab = sections[(int)verneed.Link];
            long entry = verneed.Offset;
            for (int i = 0; i < verneed.Info; i++)
            {
                ushort auxCount = U16(elf, entry + 2);
                string library = CString(elf, strtab.Offset + U32(elf, entry + 4));
                long aux = entry + U32(elf, entry + 8);
                for (int j = 0; j < auxCount; j++)
                {
                    ushort flags = U16(elf, aux + 4);
                    ushort versionIndex = U16(elf, aux + 6);
                    string version = CString(elf, strtab.Offset + U32(elf, aux + 8));
                    symbolsByVersionIndex.TryGetValue(versionIndex, out var symbols);
                    result.Add(new VersionRequirement(library, version, flags, aux + 4, symbols ?? new List<string>()));
                    uint nextAux = U32(elf, aux + 12);
                    if (nextAux == 0)
                    {
                        break;
                    }

                    aux += nextAux;
                }
                uint next = U32(elf, entry + 12);
                if (next == 0)
                {
                    break;
                }

                entry += next;
            }
        }
        return result;
    }

    /// <summary>Sets VER_FLG_WEAK on the given requirements, in place. Returns the patched bytes.</summary>
    public static byte[] Weaken(byte[] elf, IEnumerable<VersionRequirement> requirements)
    {
        var patched = (byte[])elf.Clone();
        foreach (var requirement in requirements)
        {
            ushort flags = (ushort)(U16(patched, requirement.FlagsOffset) | VerFlagWeak);
            patched[requirement.FlagsOffset] = (byte)(flags & 0xff);
            patched[requirement.FlagsOffset + 1] = (byte)(flags >> 8);
        }
        return patched;
    }

    /// <summary>
    /// Finds the libstdc++.so.6 the dynamic loader would use: ldconfig's cache first, then the usual folders.
    /// Returns null when there is none (then nothing can be decided and nothing is patched).
    /// </summary>
    public static string? FindSystemLibstdcxx()
    {
        foreach (var candidate in LdconfigCandidates().Concat(new[]
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        }))
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>
    /// Patches <paramref name="libraryPath"/> in place when the system libstdc++ lacks a version it needs.
    /// Idempotent; keeps the file's timestamp so incremental builds do not copy it again.
    /// </summary>
    public static FixupDecision PatchFile(string libraryPath, ICollection<string> systemVersions)
    {
        byte[] elf = File.ReadAllBytes(libraryPath);
        var decision = Decide(ReadVersionRequirements(elf), systemVersions);
        if (!decision.NeedsPatch)
        {
            return decision;
        }

        byte[] patched = Weaken(elf, decision.ToWeaken);
        DateTime lastWrite = File.GetLastWriteTimeUtc(libraryPath);
        string temporary = libraryPath + ".fixup.tmp";
        File.WriteAllBytes(temporary, patched);
        File.SetLastWriteTimeUtc(temporary, lastWrite);
        if (File.Exists(libraryPath))
        {
            File.Delete(libraryPath);
        }

        File.Move(temporary, libraryPath);
        return decision;
    }

    static IEnumerable<string> LdconfigCandidates()
    {
        string output;
        try
        {
            foreach (var ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig" })
            {
                if (ldconfig.StartsWith("/", StringComparison.Ordinal) && !File.Exists(ldconfig))
                {
                    continue;
                }

                var start = new ProcessStartInfo(ldconfig, "-p") { RedirectStandardOutput = true, UseShellExecute = false };
                using var process = Process.Start(start);
                if (process == null)
                {
                    continue;
                }

                output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                return ParseLdconfigCache(output);
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No ldconfig: fall back to the usual folders.
        }
        return Array.Empty<string>();
    }

    /// <summary>The 64-bit libstdc++.so.6 paths listed by <c>ldconfig -p</c>.</summary>
    public static List<string> ParseLdconfigCache(string ldconfigOutput)
    {
        var paths = new List<string>();
        foreach (var line in ldconfigOutput.Split('\n'))
        {
            string trimmed = line.Trim();
            if (!trimmed.StartsWith("libstdc++.so.6 ", StringComparison.Ordinal))
            {
                continue;
            }

            if (!trimmed.Contains("x86-64") && !trimmed.Contains("AArch64"))
            {
                continue;
            }

            int arrow = trimmed.IndexOf("=> ", StringComparison.Ordinal);
            if (arrow >= 0)
            {
                paths.Add(trimmed.Substring(arrow + 3).Trim());
            }
        }
        return paths;
    }

    sealed class Section
    {
        public uint Type;
        public long Offset;
        public long Size;
        public uint Link;
        public uint Info;
        public long EntrySize;
    }

    static List<Section> ReadSections(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }

        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
        }

        long sectionTable = (long)U64(elf, 0x28);
        ushort entrySize = U16(elf, 0x3A);
        ushort count = U16(elf, 0x3C);
        if (sectionTable <= 0 || sectionTable + (long)entrySize * count > elf.Length)
        {
            throw new InvalidDataException("section header table lies outside the file");
        }

        var sections = new List<Section>(count);
        for (int i = 0; i < count; i++)
        {
            long header = sectionTable + (long)i * entrySize;
            sections.Add(new Section
            {
                Type = U32(elf, header + 4),
                Offset = (long)U64(elf, header + 0x18),
                Size = (long)U64(elf, header + 0x20),
                Link = U32(elf, header + 0x28),
                Info = U32(elf, header + 0x2C),
                EntrySize = (long)U64(elf, header + 0x38),
            });
        }
        return sections;
    }

    static Dictionary<ushort, List<string>> ReadUndefinedSymbolsByVersion(byte[] elf, List<Section> sections)
    {
        var result = new Dictionary<ushort, List<string>>();
        var dynsym = sections.FirstOrDefault(s => s.Type == ShtDynsym);
        var versym = sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        if (dynsym == null || versym == null)
        {
            return result;
        }

        var strtab = sections[(int)dynsym.Link];
        long symbolCount = dynsym.Size / Math.Max(24, dynsym.EntrySize);
        for (long i = 1; i < symbolCount; i++)
        {
            long symbol = dynsym.Offset + i * 24;
            ushort sectionIndex = U16(elf, symbol + 6);
            if (sectionIndex != 0)
            {
                continue;
            }

            ushort versionIndex = (ushort)(U16(elf, versym.Offset + i * 2) & 0x7fff);
            if (versionIndex < 2)
            {
                continue;
            }

            if (!result.TryGetValue(versionIndex, out var names))
            {
                names = new List<string>();
                result[versionIndex] = names;
            }
            names.Add(CString(elf, strtab.Offset + U32(elf, symbol)));
        }
        return result;
    }

    static ushort U16(byte[] b, long offset) => (ushort)(b[offset] | b[offset + 1] << 8);

    static uint U32(byte[] b, long offset) => (uint)(b[offset] | b[offset + 1] << 8 | b[offset + 2] << 16 | b[offset + 3] << 24);

    static ulong U64(byte[] b, long offset) => U32(b, offset) | (ulong)U32(b, offset + 4) << 32;

    static string CString(byte[] b, long offset)
    {
        long end = offset;
        while (end < b.Length && b[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(b, (int)offset, (int)(end - offset));
    }
}

#if !DQNBRIDGE_TESTS
/// <summary>MSBuild task: applies the fix-up to TorchSharp native libraries in a build or publish output.</summary>
public sealed class FixTorchSharpGlibcxx : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required]
    public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

    public override bool Execute()
    {
        string? systemLibrary = ElfVersionFixup.FindSystemLibstdcxx();
        if (systemLibrary == null)
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "No system libstdc++.so.6 found; TorchSharp libraries left as they are.");
            return true;
        }
        var systemVersions = ElfVersionFixup.ReadVersionDefinitions(File.ReadAllBytes(systemLibrary));
        foreach (var item in Libraries)
        {
            string path = item.ItemSpec;
            var decision = ElfVersionFixup.PatchFile(path, systemVersions);
            foreach (var weakened in decision.ToWeaken)
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                    $"{Path.GetFileName(path)}: marked {weakened.Version} weak ({systemLibrary} lacks it; only never-called {string.Join(", ", weakened.Symbols)} needs it).");
            }
            foreach (var missing in decision.UnsafeMissing)
            {
                Log.LogWarning(null, "DQNB001", null, path, 0, 0, 0, 0,
                    $"{systemLibrary} lacks {missing.Version}, which {Path.GetFileName(path)} needs for {string.Join(", ", missing.Symbols.Take(5))}; TorchSharp will not load. Install a newer libstdc++ (GCC 13 or later).");
            }
        }
        return !Log.HasLoggedErrors;
    }
}
#endif
