using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks one symbol-version requirement of an ELF64 little-endian shared library as weak (VER_FLG_WEAK),
/// so that the dynamic loader accepts a libstdc++ that lacks that version. Runs only when the system's
/// libstdc++ lacks the version, writes only when the flag is not yet set (idempotent), and replaces the
/// file atomically (temporary file, then rename) so a hard-linked or cached copy is never modified.
/// </summary>
public class PatchLibTorchSharpVersionNeed : Task
{
    [Required] public string LibraryPath { get; set; }
    [Required] public string VersionName { get; set; }

    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    public override bool Execute()
    {
        if (SystemLibStdCxxHas(VersionName))
        {
            Log.LogMessage(MessageImportance.Low, "libstdc++ provides " + VersionName + "; " + LibraryPath + " needs no patch.");
            return true;
        }
        byte[] elf = File.ReadAllBytes(LibraryPath);
        int offset;
        string error = FindVernauxFlags(elf, VersionName, out offset);
        if (error != null)
        {
            Log.LogWarning("Native compatibility: cannot patch " + LibraryPath + ": " + error);
            return true;
        }
        if (offset < 0)
        {
            Log.LogMessage(MessageImportance.Low, LibraryPath + " does not need " + VersionName + ".");
            return true;
        }
        ushort flags = BitConverter.ToUInt16(elf, offset);
        if ((flags & VerFlgWeak) != 0)
        {
            Log.LogMessage(MessageImportance.Low, LibraryPath + ": " + VersionName + " already weak.");
            return true;
        }
        flags |= VerFlgWeak;
        elf[offset] = (byte)(flags & 0xff);
        elf[offset + 1] = (byte)(flags >> 8);
        string temp = LibraryPath + ".patching";
        File.WriteAllBytes(temp, elf);
        File.Copy(temp, LibraryPath, true);
        File.Delete(temp);
        Log.LogMessage(MessageImportance.High, "Native compatibility: marked " + VersionName + " weak in " + LibraryPath);
        return true;
    }

    static bool SystemLibStdCxxHas(string version)
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib64/libstdc++.so.6",
        };
        byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (string path in candidates)
        {
            if (!File.Exists(path)) continue;
            byte[] data = File.ReadAllBytes(path);
            return IndexOf(data, needle) >= 0;
        }
        return false; // unknown system: patching is harmless, the symbol is never used
    }

    static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    /// <summary>Returns an error, or null with the file offset of vna_flags for the version (−1 when absent).</summary>
    static string FindVernauxFlags(byte[] elf, string version, out int flagsOffset)
    {
        flagsOffset = -1;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            return "not an ELF file";
        if (elf[4] != 2 || elf[5] != 1) return "not a 64-bit little-endian ELF file";
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        if (shoff <= 0 || shoff + (long)shentsize * shnum > elf.Length) return "section headers out of range";
        for (int s = 0; s < shnum; s++)
        {
            int sh = (int)(shoff + (long)s * shentsize);
            if (BitConverter.ToUInt32(elf, sh + 4) != ShtGnuVerneed) continue;
            long secOffset = BitConverter.ToInt64(elf, sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, sh + 0x28);
            int info = (int)BitConverter.ToUInt32(elf, sh + 0x2C); // number of Verneed entries
            int strSh = (int)(shoff + (long)link * shentsize);
            long strOffset = BitConverter.ToInt64(elf, strSh + 0x18);
            long need = secOffset;
            for (int n = 0; n < info; n++)
            {
                int cnt = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < cnt; a++)
                {
                    long nameOffset = strOffset + BitConverter.ToUInt32(elf, (int)aux + 8);
                    if (ReadCString(elf, nameOffset) == version)
                    {
                        flagsOffset = (int)aux + 4;
                        return null;
                    }
                    uint nextAux = BitConverter.ToUInt32(elf, (int)aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
            return null;
        }
        return null;
    }

    static string ReadCString(byte[] data, long offset)
    {
        long end = offset;
        while (end < data.Length && data[end] != 0) end++;
        return Encoding.ASCII.GetString(data, (int)offset, (int)(end - offset));
    }
}
