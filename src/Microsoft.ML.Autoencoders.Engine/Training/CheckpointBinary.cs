using System.Runtime.InteropServices;

namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// The checkpoint's array encoding: an int32 length, then the elements' bytes as they are in memory (little-endian on
/// every platform .NET runs the engine on), so a float comes back with exactly its bits. Reading checks the length
/// against what the reader expects, so a checkpoint of another network fails here rather than filling the wrong slots.
/// </summary>
internal static class CheckpointBinary
{
    public static void WriteArray<T>(this BinaryWriter writer, ReadOnlySpan<T> values) where T : unmanaged
    {
        writer.Write(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    /// <summary>Reads an array written by <see cref="WriteArray"/> into <paramref name="destination"/>, which must be its length.</summary>
    public static void ReadArray<T>(this BinaryReader reader, Span<T> destination, string what) where T : unmanaged
    {
        int length = reader.ReadInt32();
        if (length != destination.Length)
            throw new InvalidDataException($"The checkpoint holds {length} values for {what}; this run has {destination.Length}.");
        ReadElements(reader, destination);
    }

    private static void ReadElements<T>(BinaryReader reader, Span<T> destination) where T : unmanaged
    {
        Span<byte> bytes = MemoryMarshal.AsBytes(destination);
        if (reader.Read(bytes) != bytes.Length) throw new EndOfStreamException();
    }

    /// <summary>Reads an array written by <see cref="WriteArray"/> whose length the reader does not know in advance.</summary>
    public static T[] ReadArray<T>(this BinaryReader reader, string what) where T : unmanaged
    {
        int length = reader.ReadInt32();
        long remaining = reader.BaseStream.Length - reader.BaseStream.Position;
        if (length < 0 || (long)length * Marshal.SizeOf<T>() > remaining)
            throw new InvalidDataException($"The checkpoint's {what} claims {length} values, more than the file holds.");
        var values = new T[length];
        ReadElements<T>(reader, values);
        return values;
    }
}
