using Microsoft.ML.Autoencoders.Engine.Layers;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// The VAE of PyTorch's examples, forward returning (reconstruction, mu, logvar) with z = mu in eval mode
/// (TorchModels/make_torch_models.py, VariationalMlp): its mean and log-variance heads read one hidden tensor, a fork the
/// engine's chains cannot hold as two layers, but one dense layer of 2L units (mean, then log-variance) followed by the
/// engine's gaussian_sampling layer computes both heads, and the mean at inference, as PyTorch's eval mode does.
/// </summary>
public sealed class TorchVariationalImportTests(ITestOutputHelper output)
{
    private const string Name = TorchOnnxModels.VariationalMeanAndLogVariance;

    [Fact]
    public void MeanAndLogVarianceHeadsImportAsTheEnginesVariationalAutoencoder()
    {
        var expected = TorchOnnxModels.ExpectedFor(Name);

        var model = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path(Name));

        output.WriteLine(string.Join(" → ", model.Spec.Layers.Select(l => l.Kind)));
        Assert.True(model.IsVariational);
        Assert.Equal(["dense", "activation", "dense", "gaussian_sampling"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(6, Assert.IsType<DenseSpec>(model.Spec.Encoder[2]).Units);
        Assert.Equal(3, model.CodeSize);
        ColumnValues.AssertClose([.. expected.Reconstruction.SelectMany(r => r)], model.Reconstruct(expected.FlatInput, expected.Rows), "engine vs PyTorch");
        ColumnValues.AssertClose([.. expected.Code.SelectMany(r => r)], model.Encode(expected.FlatInput, expected.Rows), "code vs PyTorch's mu");
        // The second half of the moments is the file's own logvar output, as ONNX Runtime computes it.
        using var logVariance = OnnxAutoencoderModel.Load(TorchOnnxModels.Path(Name), "input", "reconstruction", codeOutputName: "logvar");
        float[] moments = model.Variational.EncodeMoments(expected.FlatInput, expected.Rows);
        float[] engineLogVariance = [.. Enumerable.Range(0, expected.Rows).SelectMany(r => moments.Skip(r * 6 + 3).Take(3))];
        ColumnValues.AssertClose(logVariance.Encode(expected.FlatInput, expected.Rows), engineLogVariance, "log-variance vs the file's logvar");
    }

    [Fact]
    public void ImportedVariationalAutoencoderFineTunesWithItsKlTermAndExportsAgain()
    {
        var ml = new MLContext(seed: 1);
        var (expected, imported, _, data) = TorchOnnxModels.Import(Name, ml);
        double before = imported.Variational.MeanNegativeElbo(expected.FlatInput, expected.Rows, samples: 64, seed: 3);

        var tuned = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InitialModel = imported, Variational = true, Loss = AutoencoderLoss.MeanSquaredError, ReconstructionErrorColumnName = "Error",
            Epochs = 20, BatchSize = 4, LearningRate = 1e-3f, NumberOfThreads = 1,
        }).Fit(data);

        double after = tuned.Model.Variational.MeanNegativeElbo(expected.FlatInput, expected.Rows, samples: 64, seed: 3);
        output.WriteLine($"imported negative ELBO {before:G6}, tuned {after:G6}");
        Assert.True(tuned.Model.IsVariational);
        Assert.True(double.IsFinite(after) && after < before, $"Fine-tuning took the negative ELBO from {before} to {after}.");
        using var exported = new MemoryStream();
        tuned.SaveAsOnnx(exported);
        using var again = OnnxAutoencoderModel.Load(exported.ToArray(), "input", "reconstruction", "encoded");
        ColumnValues.AssertClose(tuned.Model.Reconstruct(expected.FlatInput, expected.Rows), again.Reconstruct(expected.FlatInput, expected.Rows), "exported vs engine");
        ColumnValues.AssertClose(tuned.Model.Encode(expected.FlatInput, expected.Rows), again.Encode(expected.FlatInput, expected.Rows), "exported code vs engine");
    }

    [Fact]
    public void FineTuningTheImportedVariationalAutoencoderWithoutItsKlTermIsRefused()
    {
        var ml = new MLContext(seed: 1);
        var imported = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path(Name));

        var e = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(new AutoencoderOptions { InitialModel = imported, Epochs = 1 }));

        Assert.Contains("InitialModel is a variational autoencoder: set Variational = true", e.Message);
    }
}
