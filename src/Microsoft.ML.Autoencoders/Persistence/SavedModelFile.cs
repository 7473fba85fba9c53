using System.IO.Compression;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// Opens a file the typed loaders were given as an ML.NET model zip, and turns the zip library's "End of Central
/// Directory record could not be found" for a file that is not one into a message that says what the file is and which
/// call reads it: a plain .onnx file goes to <c>LoadOnnx</c> (our own) or the import API (anyone else's).
/// </summary>
internal static class SavedModelFile
{
    /// <summary>How the messages name a zip given as a stream.</summary>
    public const string StreamName = "The model stream";

    public static T Read<T>(string modelPath, Func<Stream, T> read)
    {
        using var stream = File.OpenRead(modelPath);
        return Read(stream, $"'{modelPath}'", read);
    }

    /// <summary>
    /// The same from a stream holding the zip, as <c>mlContext.Model.Load(stream, …)</c> takes one (an embedded resource, a
    /// download), read from its current position; one that cannot seek is copied to memory first. It is not closed.
    /// </summary>
    public static T Read<T>(Stream modelStream, Func<Stream, T> read) => FromZipStart(modelStream, zip => Read(zip, StreamName, read));

    /// <summary>
    /// <paramref name="read"/> on a stream whose zip starts at position 0, as the zip readers need it (the central
    /// directory's offsets count from the archive's start): <paramref name="modelStream"/> itself when it can seek and is
    /// there, else a copy in memory of what is left of it (a stream that cannot seek, or a zip past other bytes).
    /// </summary>
    public static T FromZipStart<T>(Stream modelStream, Func<Stream, T> read)
    {
        ArgumentNullException.ThrowIfNull(modelStream);
        if (modelStream.CanSeek && modelStream.Position == 0) return read(modelStream);
        using var copy = new MemoryStream();
        modelStream.CopyTo(copy);
        copy.Position = 0;
        return read(copy);
    }

    private static T Read<T>(Stream stream, string name, Func<Stream, T> read)
    {
        try
        {
            return read(stream);
        }
        catch (InvalidDataException e) when (e.InnerException is null && !IsZip(stream))
        {
            throw new InvalidDataException(NotAZipMessage(name, stream), e);
        }
    }

    private static bool IsZip(Stream stream)
    {
        stream.Position = 0;
        Span<byte> signature = stackalloc byte[4];
        return stream.ReadAtLeast(signature, 4, throwOnEndOfStream: false) == 4 && signature.SequenceEqual("PK\u0003\u0004"u8);
    }

    private static string NotAZipMessage(string name, Stream stream)
    {
        stream.Position = 0;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        OnnxModelReader onnx;
        try
        {
            onnx = OnnxModelReader.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (InvalidDataException)
        {
            return $"{name} is not an ML.NET model zip (written by mlContext.Model.Save) nor an ONNX model.";
        }
        if (onnx.Metadata.ContainsKey(AutoencoderOnnx.FormatKey))
            return $"{name} is an ONNX file written by this library's SaveAsOnnx, not an ML.NET model zip: read it with AutoencoderTransformer.LoadOnnx.";
        return $"{name} is an ONNX model, not an ML.NET model zip. " + OnnxImportAdvice.For(onnx);
    }
}
