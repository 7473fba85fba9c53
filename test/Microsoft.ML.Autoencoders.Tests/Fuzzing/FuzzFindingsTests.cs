using Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

namespace Microsoft.ML.Autoencoders.Tests.Fuzzing;

/// <summary>
/// What <see cref="ModelFileFuzzTests"/> found, each pinned by a plain test: damaged files that loaded as a different
/// model, or that escaped the documented <see cref="InvalidDataException"/> with another exception type.
/// </summary>
public sealed class FuzzFindingsTests
{
    private static readonly MLContext Ml = new(seed: 1);
    private static readonly Lazy<AutoencoderTransformer> Vae = new(() =>
    {
        var options = TestAutoencoders.Options(epochs: 2);
        options.NegativeElboColumnName = "NegativeElbo";
        return Ml.Transforms.VariationalAutoencoder(options).Fit(SyntheticData.DataView(Ml, 60));
    });
    private static readonly Lazy<AutoencoderAnomalyTransformer> Detector = new(() =>
        Ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Contamination = 0.1, Autoencoder = AnomalyData.Network() })
            .Fit(AnomalyData.Train(Ml, rows: 200)));

    private static byte[] Onnx(AutoencoderTransformer transformer)
    {
        using var stream = new MemoryStream();
        transformer.SaveAsOnnx(stream);
        return stream.ToArray();
    }

    private static T LoadZip<T>(byte[] zip, Func<string, T> load)
    {
        using var file = new TemporaryFile();
        File.WriteAllBytes(file.Path, zip);
        return load(file.Path);
    }

    /// <summary>The loss decides a VAE's negative ELBO but was outside the checksum: another loss name loaded and scored differently.</summary>
    [Fact]
    public void EditedLossIsRefused()
    {
        byte[] edited = ModelFileMutator.EditMetadata(Onnx(Vae.Value), (key, value) =>
            key == "autoencoders.loss" ? (key, value == "BinaryCrossEntropy" ? "MeanSquaredError" : "BinaryCrossEntropy") : (key, value));
        var error = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadOnnx(new MemoryStream(edited)));
        Assert.Contains("damaged", error.Message);
    }

    /// <summary>Without its checksum a file loaded unchecked, so a checksum lost with a flipped weight loaded as another model.</summary>
    [Fact]
    public void RemovedChecksumIsRefused()
    {
        byte[] edited = ModelFileMutator.EditMetadata(Onnx(Vae.Value), (key, value) => key == "autoencoders.checksum" ? null : (key, value));
        var error = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadOnnx(new MemoryStream(edited)));
        Assert.Contains("autoencoders.checksum", error.Message);
    }

    /// <summary>Format 2 files written before the checksum existed still load, with a checksum computed without the loss.</summary>
    [Fact]
    public void FormatTwoFileWithoutChecksumStillLoads()
    {
        byte[] edited = ModelFileMutator.EditMetadata(Onnx(Vae.Value), (key, value) => key switch
        {
            "autoencoders.checksum" => null,
            "autoencoders.format" => (key, "2"),
            _ => (key, value),
        });
        var loaded = AutoencoderTransformer.LoadOnnx(new MemoryStream(edited));
        Assert.Equal(Vae.Value.Model.Network.Parameters.Values, loaded.Model.Network.Parameters.Values);
    }

    public static TheoryData<string> HeadDamages => new() { "state edited", "threshold changed", "checksum removed", "state removed", "network hash removed", "state not JSON" };

    /// <summary>
    /// The head's state and threshold had no checksum (an edited quantile or threshold loaded as another detector), and a
    /// missing key or broken JSON escaped as KeyNotFoundException or JsonException.
    /// </summary>
    [Theory]
    [MemberData(nameof(HeadDamages))]
    public void DamagedDetectorHeadIsRefused(string damage)
    {
        var detector = Detector.Value;
        byte[] zip = FuzzCases.Saved(Ml, detector, AnomalyData.Train(Ml, rows: 10).Schema);
        byte[] threshold = BitConverter.GetBytes(detector.Threshold);
        byte[] damaged = ModelFileMutator.EditOnnxEntries(zip, onnx =>
        {
            bool isHead = onnx.AsSpan().IndexOf("autoencoders.anomaly.state"u8) >= 0;
            if (!isHead) return onnx;
            if (damage == "threshold changed")
            {
                int at = onnx.AsSpan().IndexOf(threshold);
                Assert.True(at >= 0, "the threshold's bytes were not found in the head");
                onnx = (byte[])onnx.Clone();
                onnx[at] ^= 1;
                return onnx;
            }
            return ModelFileMutator.EditMetadata(onnx, (key, value) => (damage, key) switch
            {
                ("state edited", "autoencoders.anomaly.state") when value.Contains("\"Contamination\":0.1") => (key, value.Replace("\"Contamination\":0.1", "\"Contamination\":0.2")),
                ("state edited", "autoencoders.anomaly.state") => throw new InvalidOperationException("the state JSON no longer holds \"Contamination\":0.1: " + value[..200]),
                ("state not JSON", "autoencoders.anomaly.state") => (key, value[..(value.Length / 2)]),
                ("checksum removed", "autoencoders.anomaly.checksum") => null,
                ("state removed", "autoencoders.anomaly.state") => null,
                ("network hash removed", "autoencoders.anomaly.network_sha256") => null,
                _ => (key, value),
            });
        });
        var error = Assert.Throws<InvalidDataException>(() => LoadZip(damaged, AutoencoderAnomalyTransformer.LoadFromModelFile));
        Assert.Contains("damaged", error.Message);
    }

    /// <summary>ML.NET's own errors for a damaged zip (here FormatException) escaped LoadWithBatchedScoring as they were.</summary>
    [Fact]
    public void BatchedLoaderReportsADamagedZipAsInvalidData()
    {
        byte[] zip = FuzzCases.Saved(Ml, Vae.Value, SyntheticData.DataView(Ml, 1).Schema);
        var error = Assert.Throws<InvalidDataException>(() => LoadZip(zip[..(zip.Length / 2)], path => new MLContext().Model.LoadWithBatchedScoring(path, out _)));
        Assert.Contains("damaged", error.Message);
        Assert.NotNull(error.InnerException);
    }

    /// <summary>
    /// A graph of ours whose format key was damaged no longer read as ours, so LoadWithBatchedScoring left it to ML.NET,
    /// unchecked: with a damaged weight as well it would have scored as another model.
    /// </summary>
    [Fact]
    public void BatchedLoaderRefusesAGraphThatNoLongerReadsAsOurs()
    {
        byte[] zip = FuzzCases.Saved(Ml, Vae.Value, SyntheticData.DataView(Ml, 1).Schema);
        byte[] damaged = ModelFileMutator.EditOnnxEntries(zip, onnx => ModelFileMutator.EditMetadata(onnx, (key, value) =>
            key == "autoencoders.format" ? ("autoencoders.formau", value) : (key, value)));
        Assert.NotNull(LoadZip(damaged, path => new MLContext().Model.Load(path, out _))); // ML.NET itself reads it
        var error = Assert.Throws<InvalidDataException>(() => LoadZip(damaged, path => new MLContext().Model.LoadWithBatchedScoring(path, out _)));
        Assert.Contains("damaged", error.Message);
    }
}
