using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>The standalone ONNX file scores a whole batch in ONNX Runtime exactly as the engine does.</summary>
public class OnnxExportTests
{
    [Theory]
    [InlineData(AutoencoderActivation.Relu, AutoencoderActivation.Linear, AutoencoderActivation.Sigmoid)]
    [InlineData(AutoencoderActivation.LeakyRelu, AutoencoderActivation.Tanh, AutoencoderActivation.Linear)]
    [InlineData(AutoencoderActivation.Sigmoid, AutoencoderActivation.Relu, AutoencoderActivation.Tanh)]
    [InlineData(AutoencoderActivation.Elu, AutoencoderActivation.Softplus, AutoencoderActivation.Linear)]
    [InlineData(AutoencoderActivation.Softplus, AutoencoderActivation.Elu, AutoencoderActivation.Sigmoid)]
    [InlineData(AutoencoderActivation.Gelu, AutoencoderActivation.Silu, AutoencoderActivation.Linear)]
    [InlineData(AutoencoderActivation.Silu, AutoencoderActivation.Gelu, AutoencoderActivation.Softplus)]
    public void BatchedOnnxMatchesEngine(AutoencoderActivation hidden, AutoencoderActivation code, AutoencoderActivation output)
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(200);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            ReconstructionColumnName = "Reconstruction", HiddenLayerSizes = [9, 5], CodeSize = 4,
            HiddenActivation = hidden, CodeActivation = code, OutputActivation = output, LeakyReluSlope = 0.2f,
            Epochs = 3, BatchSize = 16, NumberOfThreads = 1,
        }).Fit(ml.Data.LoadFromEnumerable(rows));

        using var file = new MemoryStream();
        transformer.SaveAsOnnx(file);
        using var session = new InferenceSession(file.ToArray());

        int n = rows.Count, d = SyntheticData.Width;
        float[] batch = rows.SelectMany(r => r.Features).ToArray();
        var input = new DenseTensor<float>(batch, [n, d]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
        float[] encoded = results.Single(r => r.Name == "encoded").AsEnumerable<float>().ToArray();
        float[] reconstruction = results.Single(r => r.Name == "reconstruction").AsEnumerable<float>().ToArray();
        float[] error = results.Single(r => r.Name == "reconstruction_error").AsEnumerable<float>().ToArray();

        var model = transformer.Model;
        AssertClose(model.Encode(batch, n), encoded);
        AssertClose(model.Reconstruct(batch, n), reconstruction);
        AssertClose(model.ReconstructionErrors(batch, n), error);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f + 1e-5f * Math.Abs(expected[i]), $"element {i}: engine {expected[i]}, ONNX Runtime {actual[i]}");
    }
}
