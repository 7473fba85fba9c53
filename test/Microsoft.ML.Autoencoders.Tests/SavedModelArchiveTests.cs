using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// The typed reload reads ML.NET's private OnnxTransformer zip entry (an int32 length, then the ONNX bytes). These tests
/// pin that layout for the Microsoft.ML in use, and show that a changed layout fails with a clear error instead of
/// "holds no autoencoder".
/// </summary>
public class SavedModelArchiveTests
{
    private static string SavedModel(TemporaryFile file)
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 60);
        var transformer = ml.Transforms.Autoencoder("Encoded", "Features", codeSize: 3, epochs: 1).Fit(data);
        ml.Model.Save(transformer, data.Schema, file.Path);
        return file.Path;
    }

    [Fact]
    public void OnnxTransformerEntryIsALengthThenTheOnnxBytes()
    {
        using var file = new TemporaryFile();
        using var zip = ZipFile.OpenRead(SavedModel(file));
        var entry = Assert.Single(zip.Entries, e => e.Name == "OnnxModel");
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        byte[] bytes = buffer.ToArray();
        Assert.Equal(bytes.Length - 4, BinaryPrimitives.ReadInt32LittleEndian(bytes));
        Assert.Equal(0x08, bytes[4]); // ModelProto field 1 (ir_version, varint): the ONNX bytes start right after the length
    }

    [Fact]
    public void ChangedLayoutFailsWithAClearError()
    {
        using var file = new TemporaryFile();
        string path = SavedModel(file);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.Entries.Single(e => e.Name == "OnnxModel");
            string name = entry.FullName;
            byte[] onnx;
            using (var stream = entry.Open())
            using (var buffer = new MemoryStream())
            {
                stream.CopyTo(buffer);
                onnx = buffer.ToArray()[4..];
            }
            entry.Delete();
            using var replaced = zip.CreateEntry(name).Open();
            replaced.Write(onnx); // as if a newer ML.NET dropped the length prefix
        }

        var error = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadFromModelFile(path));
        Assert.Contains("OnnxTransformer", error.Message);
        Assert.Contains("Model.Load", error.Message);
    }
}
