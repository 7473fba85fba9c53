using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

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
        List<Field> fields;
        try
        {
            fields = Protobuf.Fields(onnx);
        }
        catch (InvalidDataException)
        {
            return null;
        }
        var metadata = fields.Select((f, i) => (f, i)).Where(p => p.f.Number == Protobuf.ModelMetadataField).Select(p => p.i).ToList();
        if (metadata.Count == 0) return null;
        int at = metadata[random.Next(metadata.Count)];
        var entry = Protobuf.Fields(fields[at].Value);
        string key = Encoding.UTF8.GetString(entry.FirstOrDefault(f => f.Number == 1).Value ?? []);
        string value = Encoding.UTF8.GetString(entry.FirstOrDefault(f => f.Number == 2).Value ?? []);
        string description;
        switch (random.Next(8))
        {
            case 0:
                fields.RemoveAt(at);
                description = $"metadata '{key}' removed";
                break;
            case 1:
                fields.Insert(at + 1, fields[at]);
                description = $"metadata '{key}' duplicated";
                break;
            case 2:
            {
                string changedKey = key.Length == 0 ? "x" : key[..^1] + (char)(key[^1] ^ 1);
                fields[at] = Protobuf.StringPair(changedKey, value);
                description = $"metadata key '{key}' renamed '{changedKey}'";
                break;
            }
            default:
            {
                var (changed, what) = ChangeOneJsonToken(value, random);
                fields[at] = Protobuf.StringPair(key, changed);
                description = $"metadata '{key}': {what}";
                break;
            }
        }
        return new Mutation(Protobuf.Write(fields), description);
    }

    /// <summary>
    /// An ONNX model with each metadata entry passed through <paramref name="edit"/> (null drops it), re-framed so the
    /// protobuf still parses: for tests that damage one setting on purpose.
    /// </summary>
    public static byte[] EditMetadata(byte[] onnx, Func<string, string, (string Key, string Value)?> edit)
    {
        var fields = new List<Field>();
        foreach (var field in Protobuf.Fields(onnx))
        {
            if (field.Number != Protobuf.ModelMetadataField)
            {
                fields.Add(field);
                continue;
            }
            var entry = Protobuf.Fields(field.Value);
            string key = Encoding.UTF8.GetString(entry.FirstOrDefault(f => f.Number == 1).Value ?? []);
            string value = Encoding.UTF8.GetString(entry.FirstOrDefault(f => f.Number == 2).Value ?? []);
            if (edit(key, value) is { } edited) fields.Add(Protobuf.StringPair(edited.Key, edited.Value));
        }
        return Protobuf.Write(fields);
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

    /// <summary>A top-level protobuf field: its number, wire type and raw value (a varint's bytes, or a length-delimited field's content).</summary>
    private readonly record struct Field(int Number, int Wire, byte[] Value);

    /// <summary>Just enough protobuf to take an ONNX ModelProto apart at its top level and put it back together.</summary>
    private static class Protobuf
    {
        /// <summary>ModelProto.metadata_props, a repeated StringStringEntryProto (key = 1, value = 2).</summary>
        public const int ModelMetadataField = 14;

        private const int LengthDelimited = 2;

        public static List<Field> Fields(byte[] message)
        {
            var fields = new List<Field>();
            int at = 0;
            while (at < message.Length)
            {
                ulong tag = Varint(message, ref at);
                int number = (int)(tag >> 3), wire = (int)(tag & 7);
                int start = at;
                switch (wire)
                {
                    case 0: Varint(message, ref at); break;
                    case 1: at += 8; break;
                    case 5: at += 4; break;
                    case LengthDelimited:
                        ulong length = Varint(message, ref at);
                        if (length > (ulong)(message.Length - at)) throw new InvalidDataException("length past the end");
                        start = at;
                        at += (int)length;
                        break;
                    default: throw new InvalidDataException($"wire type {wire}");
                }
                if (at > message.Length) throw new InvalidDataException("field past the end");
                fields.Add(new Field(number, wire, message[start..at]));
            }
            return fields;
        }

        public static Field StringPair(string key, string value)
        {
            using var buffer = new MemoryStream();
            Write(buffer, new Field(1, LengthDelimited, Encoding.UTF8.GetBytes(key)));
            Write(buffer, new Field(2, LengthDelimited, Encoding.UTF8.GetBytes(value)));
            return new Field(ModelMetadataField, LengthDelimited, buffer.ToArray());
        }

        public static byte[] Write(IEnumerable<Field> fields)
        {
            using var buffer = new MemoryStream();
            foreach (var field in fields) Write(buffer, field);
            return buffer.ToArray();
        }

        private static void Write(Stream stream, Field field)
        {
            WriteVarint(stream, (ulong)(field.Number << 3 | field.Wire));
            if (field.Wire == LengthDelimited) WriteVarint(stream, (ulong)field.Value.Length);
            stream.Write(field.Value);
        }

        private static void WriteVarint(Stream stream, ulong value)
        {
            while (value >= 0x80)
            {
                stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            stream.WriteByte((byte)value);
        }

        private static ulong Varint(byte[] bytes, ref int at)
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (at >= bytes.Length) throw new InvalidDataException("varint past the end");
                byte b = bytes[at++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return value;
            }
            throw new InvalidDataException("varint too long");
        }
    }
}
