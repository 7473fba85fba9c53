using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.Autoencoders.Onnx.Protos;

namespace Microsoft.ML.Autoencoders.Onnx;

/// <summary>
/// Encodes and decodes the element data of ONNX tensors. ONNX stores a tensor's elements row-major,
/// either in a typed repeated field (<c>float_data</c>, <c>int64_data</c>) or in <c>raw_data</c> as
/// fixed-width little-endian values; writers may choose, so readers must accept both.
/// </summary>
internal static class OnnxTensorData
{
    /// <summary>Packs floats as the little-endian IEEE 754 bytes that <c>raw_data</c> holds.</summary>
    /// <param name="values">The elements, row-major.</param>
    /// <returns>4 bytes per element.</returns>
    public static ByteString ToLittleEndianRawData(ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
            return ByteString.CopyFrom(MemoryMarshal.AsBytes(values));

        // A big-endian host must swap every element, since raw_data is little-endian by definition.
        var swapped = new int[values.Length];
        BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(values), swapped);
        return ByteString.CopyFrom(MemoryMarshal.AsBytes(swapped.AsSpan()));
    }

    /// <summary>Reads the elements of a FLOAT tensor from whichever field holds them.</summary>
    /// <param name="tensor">A tensor whose <c>data_type</c> is FLOAT.</param>
    /// <param name="elementCount">The element count its dims imply.</param>
    /// <returns>The elements, row-major.</returns>
    /// <exception cref="InvalidDataException">The data is external or its length does not match the dims.</exception>
    public static float[] ReadFloats(TensorProto tensor, long elementCount)
    {
        RequireEmbeddedData(tensor);
        if (tensor.HasRawData)
        {
            ReadOnlySpan<byte> raw = tensor.RawData.Span;
            RequireLength(tensor, raw.Length, elementCount * sizeof(float), "raw_data bytes");
            var values = new float[elementCount];
            raw.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            if (!BitConverter.IsLittleEndian)
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(values.AsSpan()), MemoryMarshal.Cast<float, int>(values.AsSpan()));
            return values;
        }

        RequireLength(tensor, tensor.FloatData.Count, elementCount, "float_data elements");
        return [.. tensor.FloatData];
    }

    /// <summary>Reads the elements of an INT64 tensor from whichever field holds them.</summary>
    /// <param name="tensor">A tensor whose <c>data_type</c> is INT64.</param>
    /// <param name="elementCount">The element count its dims imply.</param>
    /// <returns>The elements, row-major.</returns>
    /// <exception cref="InvalidDataException">The data is external or its length does not match the dims.</exception>
    public static long[] ReadInt64s(TensorProto tensor, long elementCount)
    {
        RequireEmbeddedData(tensor);
        if (tensor.HasRawData)
        {
            ReadOnlySpan<byte> raw = tensor.RawData.Span;
            RequireLength(tensor, raw.Length, elementCount * sizeof(long), "raw_data bytes");
            var values = new long[elementCount];
            for (int i = 0; i < values.Length; i++)
                values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(i * sizeof(long)));
            return values;
        }

        RequireLength(tensor, tensor.Int64Data.Count, elementCount, "int64_data elements");
        return [.. tensor.Int64Data];
    }

    private static void RequireEmbeddedData(TensorProto tensor)
    {
        // External data lives in side files next to the model; the library always embeds its tensors.
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
            throw new InvalidDataException($"Tensor '{tensor.Name}' keeps its data in an external file, which is not supported.");
    }

    private static void RequireLength(TensorProto tensor, long actual, long expected, string what)
    {
        if (actual != expected)
            throw new InvalidDataException(
                $"Tensor '{tensor.Name}' has {actual} {what}, but its dims [{string.Join(", ", tensor.Dims)}] need {expected}.");
    }
}
