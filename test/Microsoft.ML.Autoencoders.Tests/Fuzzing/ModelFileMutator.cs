using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Microsoft.ML.Autoencoders.Onnx.Protos;

namespace Microsoft.ML.Autoencoders.Tests.Fuzzing;

/// <summary>One mutated file and what was done to it, in words that let a reader redo it.</summary>
internal sealed record Mutation(byte[] Bytes, string Description);

/// <summary>
/// Damages a valid model file in one of several ways, chosen by a seeded <see cref="Random"/> so a failing case is
/// reproduced from its seed. The raw mutations (flipped bytes, truncation, inserted and deleted ranges) mostly hit the
/// zip layer, whose CRCs catch them; the structured ones open the zip, damage one inner entry and write the zip again
/// with valid CRCs, so the damage reaches the readers behind the zip: ML.NET's entries, the ONNX graphs, and the
/// metadata JSON (numbers, names, booleans), re-framed so the protobuf still parses and only the value changes.
/// </summary>
internal static partial class ModelFileMutator
{
    public static Mutation Mutate(byte[] file, Random random)
    {
        bool isZip = file.AsSpan().StartsWith("PK\u0003\u0004"u8);
        // Three zip cases in four reach past the zip's CRCs (and one ONNX case in three into its metadata, re-framed):
        // that is where the library's own readers are, and raw damage to a zip is almost always stopped by its CRCs.
        int choice = random.Next(isZip ? 4 : 3);
        return (isZip, choice) switch
        {
            (true, 0) => Raw(file, random, "file"),
            (true, 1) or (true, 2) => InsideEntry(file, random, metadataOnly: false),
            (true, _) => InsideEntry(file, random, metadataOnly: true),
            (false, 0) or (false, 1) => Raw(file, random, "file"),
            _ => Metadata(file, random) is { } m ? m : Raw(file, random, "file"),
        };
    }

    /// <summary>Byte-level damage: flips, truncation, an inserted or a deleted range.</summary>
    private static Mutation Raw(byte[] bytes, Random random, string where)
    {
        if (bytes.Length == 0) return new Mutation([0], $"{where}: empty, one zero byte inserted");
        switch (random.Next(4))
        {
            case 0:
            {
                var copy = (byte[])bytes.Clone();
                int flips = 1 + random.Next(4);
                var parts = new List<string>();
                for (int i = 0; i < flips; i++)
                {
                    int at = random.Next(copy.Length);
                    byte mask = (byte)(1 + random.Next(255));
                    copy[at] ^= mask;
                    parts.Add($"[{at}]^=0x{mask:X2}");
                }
                return new Mutation(copy, $"{where}: flipped {string.Join(", ", parts)}");
            }
            case 1:
            {
                int length = random.Next(bytes.Length);
                return new Mutation(bytes[..length], $"{where}: truncated to {length} of {bytes.Length} bytes");
            }
            case 2:
            {
                int at = random.Next(bytes.Length + 1), count = 1 + random.Next(64);
                var inserted = new byte[count];
                // Random bytes, or a copy of the file's own bytes (which look like valid structure to a reader).
                bool copied = random.Next(2) == 0 && bytes.Length >= count;
                int from = copied ? random.Next(bytes.Length - count + 1) : -1;
                if (copied) Array.Copy(bytes, from, inserted, 0, count);
                else random.NextBytes(inserted);
                byte[] result = [.. bytes.AsSpan(0, at), .. inserted, .. bytes.AsSpan(at)];
                return new Mutation(result, $"{where}: inserted {count} {(copied ? $"bytes copied from [{from}]" : $"random bytes {Convert.ToHexString(inserted)}")} at [{at}]");
            }
            default:
            {
                int at = random.Next(bytes.Length), count = 1 + random.Next(Math.Min(64, bytes.Length - at));
                byte[] result = [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + count)];
                return new Mutation(result, $"{where}: deleted [{at}..{at + count})");
            }
        }
    }

    /// <summary>Damages one entry of the zip and writes the zip again, so its CRCs are valid for the damaged bytes.</summary>
    private static Mutation InsideEntry(byte[] file, Random random, bool metadataOnly)
    {
        var entries = ReadEntries(file);
        var onnxEntries = entries.Select((e, i) => (e, i)).Where(p => p.e.Name.EndsWith("/OnnxModel", StringComparison.Ordinal)).Select(p => p.i).ToList();
        // The ONNX graphs are half the picks: they hold everything the library reads; ML.NET's entries get the rest.
        int index = metadataOnly || random.Next(2) == 0 ? onnxEntries[random.Next(onnxEntries.Count)] : random.Next(entries.Count);
        var (name, content) = entries[index];
        Mutation damaged;
        if (metadataOnly && content.Length > 4)
        {
            var onnx = Metadata(content[4..], random);
            if (onnx is null) return Raw(file, random, "file");
            // Keep ML.NET's int32 length prefix true to the new length: the readers behind it are the target.
            byte[] prefixed = new byte[onnx.Bytes.Length + 4];
            BinaryPrimitives.WriteInt32LittleEndian(prefixed, onnx.Bytes.Length);
            onnx.Bytes.CopyTo(prefixed, 4);
            damaged = new Mutation(prefixed, onnx.Description);
        }
        else damaged = Raw(content, random, "content");
        entries[index] = (name, damaged.Bytes);
        return new Mutation(WriteEntries(entries), $"entry '{name}' ({content.Length} bytes), {damaged.Description}, zip rewritten with valid CRCs");
    }

    /// <summary>
    /// Changes one value of one metadata entry of an ONNX model (a JSON number, boolean or name, or the whole text),
    /// or drops or duplicates an entry, and re-frames the protobuf so it still parses. Null when there is no metadata.
    /// </summary>
    private static Mutation? Metadata(byte[] onnx, Random random)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(onnx);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
        var metadata = model.MetadataProps;
        if (metadata.Count == 0) return null;
        int at = random.Next(metadata.Count);
        string key = metadata[at].Key, value = metadata[at].Value;
        string description;
        switch (random.Next(8))
        {
            case 0:
                metadata.RemoveAt(at);
                description = $"metadata '{key}' removed";
                break;
            case 1:
                metadata.Insert(at + 1, metadata[at].Clone());
                description = $"metadata '{key}' duplicated";
                break;
            case 2:
            {
                string changedKey = key.Length == 0 ? "x" : key[..^1] + (char)(key[^1] ^ 1);
                metadata[at] = new StringStringEntryProto { Key = changedKey, Value = value };
                description = $"metadata key '{key}' renamed '{changedKey}'";
                break;
            }
            default:
            {
                var (changed, what) = ChangeOneJsonToken(value, random);
                metadata[at] = new StringStringEntryProto { Key = key, Value = changed };
                description = $"metadata '{key}': {what}";
                break;
            }
        }
        return new Mutation(model.ToByteArray(), description);
    }

    /// <summary>
    /// An ONNX model with each metadata entry passed through <paramref name="edit"/> (null drops it), written again with
    /// the library's own ModelProto (fields it does not model are kept as unknown fields): for tests that damage one
    /// setting on purpose.
    /// </summary>
    public static byte[] EditMetadata(byte[] onnx, Func<string, string, (string Key, string Value)?> edit)
    {
        var model = ModelProto.Parser.ParseFrom(onnx);
        var edited = model.MetadataProps
            .Select(entry => edit(entry.Key, entry.Value))
            .Where(entry => entry is not null)
            .Select(entry => new StringStringEntryProto { Key = entry!.Value.Key, Value = entry.Value.Value })
            .ToList();
        model.MetadataProps.Clear();
        model.MetadataProps.Add(edited);
        return model.ToByteArray();
    }

    /// <summary>A model zip with the ONNX graph of each OnnxModel entry passed through <paramref name="edit"/> (and its length prefix kept true).</summary>
    public static byte[] EditOnnxEntries(byte[] zip, Func<byte[], byte[]> edit) =>
        WriteEntries(ReadEntries(zip).Select(e =>
        {
            if (!e.Name.EndsWith("/OnnxModel", StringComparison.Ordinal)) return e;
            byte[] onnx = edit(e.Content[4..]);
            byte[] prefixed = new byte[onnx.Length + 4];
            BinaryPrimitives.WriteInt32LittleEndian(prefixed, onnx.Length);
            onnx.CopyTo(prefixed, 4);
            return (e.Name, prefixed);
        }));

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null|""([^""\\]|\\.)*""")]
    private static partial Regex JsonToken();

    private static readonly string[] NumberReplacements = ["0", "-1", "1", "2", "3", "7", "65536", "2147483648", "-2147483649", "1e39", "0.5", "-0", "NaN", "\"1\"", "[]", "null"];

    /// <summary>One token of a JSON text (or of a plain value) changed into a plausible wrong one.</summary>
    private static (string Text, string What) ChangeOneJsonToken(string text, Random random)
    {
        var tokens = JsonToken().Matches(text);
        if (tokens.Count == 0 || random.Next(10) == 0)
        {
            string cut = text[..random.Next(text.Length + 1)];
            return (cut, $"value cut to {cut.Length} of {text.Length} chars");
        }
        var token = tokens[random.Next(tokens.Count)];
        string original = token.Value, replacement;
        if (original is "true" or "false") replacement = original == "true" ? "false" : "true";
        else if (original == "null") replacement = random.Next(2) == 0 ? "0" : "\"x\"";
        else if (original.StartsWith('"'))
        {
            // A name with one letter changed, emptied, or a number where a name was.
            string inner = original[1..^1];
            replacement = random.Next(3) switch
            {
                0 when inner.Length > 0 => $"\"{ChangeOneChar(inner, random)}\"",
                1 => "\"\"",
                _ => NumberReplacements[random.Next(NumberReplacements.Length)],
            };
        }
        else
        {
            replacement = random.Next(3) switch
            {
                0 when double.TryParse(original, System.Globalization.CultureInfo.InvariantCulture, out double number)
                    => (number + (random.Next(2) == 0 ? 1 : -1)).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                1 => ChangeOneChar(original, random),
                _ => NumberReplacements[random.Next(NumberReplacements.Length)],
            };
        }
        if (replacement == original) replacement = original + "0";
        return (text[..token.Index] + replacement + text[(token.Index + token.Length)..], $"{original} at char {token.Index} became {replacement}");
    }

    private static string ChangeOneChar(string text, Random random)
    {
        int at = random.Next(text.Length);
        char c = text[at];
        char changed = char.IsDigit(c) ? (char)('0' + (c - '0' + 1 + random.Next(9)) % 10) : (char)(c ^ (1 << random.Next(5)));
        if (changed is '"' or '\\' || char.IsControl(changed)) changed = 'q';
        return text[..at] + changed + text[(at + 1)..];
    }

    public static List<(string Name, byte[] Content)> ReadEntries(byte[] zipBytes)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        return zip.Entries.Select(e =>
        {
            using var stream = e.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return (e.FullName, buffer.ToArray());
        }).ToList();
    }

    public static byte[] WriteEntries(IEnumerable<(string Name, byte[] Content)> entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
                stream.Write(content);
            }
        }
        return buffer.ToArray();
    }
}
