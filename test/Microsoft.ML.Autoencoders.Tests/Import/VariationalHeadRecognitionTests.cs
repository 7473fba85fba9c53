using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// Which second head beside a decoder's mean the importer takes as a VAE's log-variance, built node by node as PyTorch
/// exports a forward() returning three tensors: the shape alone (an unread output head as wide as the mean) is no VAE,
/// the head's output name says what it is, so a plain autoencoder's auxiliary head stays a branch and a log σ head is
/// refused rather than read as log σ².
/// </summary>
public sealed class VariationalHeadRecognitionTests
{
    [Fact]
    public void AnAuxiliaryHeadAsWideAsTheCodeIsABranchNotALogVariance()
    {
        // forward() returning (reconstruction, code, aux(h)) of a plain autoencoder, aux as wide as the code.
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(ThreeOutputs("reconstruction", "code", "aux")));

        Assert.Contains("Tensor 'h_relu' feeds 2 nodes", e.Message);
        Assert.Contains("named as one (its output name containing 'logvar' or 'log_var'", e.Message);
        Assert.Contains("mlContext.Transforms.OnnxAutoencoder", e.Message);
    }

    [Theory]
    [InlineData("logvar")]
    [InlineData("z_log_var")]
    [InlineData("LogVariance")]
    public void AnUnreadHeadNamedAsALogVarianceImportsWhicheverOrderTheOutputsCome(string name)
    {
        // (reconstruction, logvar, mu): the outputs' order is not what tells the heads apart.
        var model = AutoencoderModel.ImportOnnx(ThreeOutputs("reconstruction", "mu", name, logVarianceFirst: true));

        Assert.True(model.IsVariational);
        Assert.Equal(2, model.CodeSize);
    }

    [Theory]
    [InlineData("log_std")]
    [InlineData("logstd")]
    [InlineData("log_sigma")]
    public void AHeadNamedAsLogSigmaIsRefusedByName(string name)
    {
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(ThreeOutputs("reconstruction", "mu", name)));

        Assert.Contains($"gives '{name}'", e.Message);
        Assert.Contains("log σ is not log σ²", e.Message);
        Assert.Contains("return 2 * log_std as 'logvar'", e.Message);
        Assert.Contains("mlContext.Transforms.OnnxAutoencoder", e.Message);
    }

    [Fact]
    public void ALogVarianceNamedHeadOfAnotherWidthIsRefusedAsTheBranchItIs()
    {
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(ThreeOutputs("reconstruction", "mu", "logvar", logVarianceUnits: 3)));

        Assert.Contains("Tensor 'h_relu' feeds 2 nodes", e.Message);
        Assert.DoesNotContain("log-variances; a Gaussian latent", e.Message);
        Assert.Contains("mlContext.Transforms.OnnxAutoencoder", e.Message);
    }

    /// <summary>
    /// input → Gemm → Relu (h_relu) → two Gemms: <paramref name="code"/> (2 wide, read by the decoder and an output) and
    /// <paramref name="unread"/> (an output read by nothing); the decoder Gemm → Relu → Gemm gives <paramref name="reconstruction"/>.
    /// </summary>
    private static byte[] ThreeOutputs(string reconstruction, string code, string unread, bool logVarianceFirst = false, int logVarianceUnits = 2)
    {
        var g = new OnnxModelBuilder(opsetVersion: 17).AddInput("input", [-1, 8]).AddOutput(reconstruction, [-1, 8]);
        if (logVarianceFirst) g.AddOutput(unread, [-1, logVarianceUnits]).AddOutput(code, [-1, 2]);
        else g.AddOutput(code, [-1, 2]).AddOutput(unread, [-1, logVarianceUnits]);
        Dense(g, "input", "h", 8, 5);
        g.AddNode("Relu", ["h"], ["h_relu"]);
        if (logVarianceFirst) Dense(g, "h_relu", unread, 5, logVarianceUnits);
        Dense(g, "h_relu", code, 5, 2);
        if (!logVarianceFirst) Dense(g, "h_relu", unread, 5, logVarianceUnits);
        Dense(g, code, "d", 2, 5);
        g.AddNode("Relu", ["d"], ["d_relu"]);
        Dense(g, "d_relu", reconstruction, 5, 8);
        return g.ToByteArray();
    }

    private static void Dense(OnnxModelBuilder g, string x, string y, int inputs, int units)
    {
        g.AddInitializer(y + "_w", [units, inputs], [.. Enumerable.Range(0, units * inputs).Select(i => MathF.Sin(i + 1f))]);
        g.AddInitializer(y + "_b", [units], [.. Enumerable.Range(0, units).Select(i => MathF.Cos(i + 1f))]);
        g.AddNode("Gemm", [x, y + "_w", y + "_b"], [y], attributes: [OnnxAttribute.FromInt("transB", 1)]);
    }
}
