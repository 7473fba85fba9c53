namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// Issue 17: a model file with one flipped bit in a weight, or an edited setting, loaded and scored differently without
/// a word. The checksum saved with the model now makes the typed loaders refuse it; an intact file still loads.
/// </summary>
public class ModelChecksumTests
{
    private static byte[] SavedModel(out AutoencoderTransformer transformer)
    {
        var ml = new MLContext(seed: 1);
        transformer = TestAutoencoders.Fit(ml, SyntheticData.DataView(ml, 120));
        using var stream = new MemoryStream();
        transformer.SaveAsOnnx(stream);
        return stream.ToArray();
    }

    [Fact]
    public void IntactFileLoads()
    {
        byte[] bytes = SavedModel(out var transformer);
        var loaded = AutoencoderTransformer.LoadOnnx(new MemoryStream(bytes));
        Assert.Equal(transformer.Model.Network.Parameters.Values, loaded.Model.Network.Parameters.Values);
    }

    [Fact]
    public void FlippedBitInAWeightIsRefused()
    {
        byte[] bytes = SavedModel(out var transformer);
        // Find the first weight's four bytes in the file and flip the lowest bit of its mantissa: a tiny, silent change.
        byte[] weight = BitConverter.GetBytes(transformer.Model.Network.Parameters.Values[0]);
        int at = bytes.AsSpan().IndexOf(weight);
        Assert.True(at >= 0, "the first weight's bytes were not found in the file");
        bytes[at] ^= 1;

        var error = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadOnnx(new MemoryStream(bytes)));
        Assert.Contains("damaged", error.Message);
    }

    [Fact]
    public void EditedSettingIsRefused()
    {
        byte[] bytes = SavedModel(out _);
        // Same length, so the protobuf framing stays valid: only the setting changes (the output column's name).
        byte[] from = "Reconstruction"u8.ToArray(), to = "Reconstructiom"u8.ToArray();
        int at = bytes.AsSpan().IndexOf(from);
        Assert.True(at >= 0, "the reconstruction column's name was not found in the file's metadata");
        to.CopyTo(bytes, at);
        Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadOnnx(new MemoryStream(bytes)));
    }
}
