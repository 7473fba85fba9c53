using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// Refusals of graphs whose operators do not look like the module the user wrote, built here node by node as PyTorch
/// exports them: the message names the module and what to do (the torch-exported GELU and SiLU are in
/// <see cref="TorchOnnxImportTests"/>).
/// </summary>
public sealed class OnnxImportRefusalHintTests
{
    [Fact]
    public void VariationalHeadsWhoseSpreadIsComputedFurtherAreRefusedWithTheExportThatImports()
    {
        // forward() returning (mu, softplus(fc_std(h)), decoder(mu)): h feeds both heads, and the spread head is read by a
        // Softplus, so it is no log-variance the engine's gaussian_sampling layer could take as it is. (Returned as it is,
        // the log-variance head imports: TorchVariationalImportTests.)
        var g = new OnnxModelBuilder(opsetVersion: 17).AddInput("input", [-1, 8])
            .AddOutput("mu", [-1, 2]).AddOutput("std", [-1, 2]).AddOutput("reconstruction", [-1, 8]);
        Dense(g, "input", "h", 8, 5);
        g.AddNode("Relu", ["h"], ["h_relu"]);
        Dense(g, "h_relu", "mu", 5, 2);
        Dense(g, "h_relu", "spread", 5, 2);
        g.AddNode("Softplus", ["spread"], ["std"]);
        Dense(g, "mu", "reconstruction", 2, 8);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("Tensor 'h_relu' feeds 2 nodes", e.Message);
        Assert.Contains("a VAE's mean and log-variance heads", e.Message);
        Assert.Contains("returns only decoder(mean)", e.Message);
        Assert.Contains("the log-variance head's own output", e.Message);
    }

    [Fact]
    public void AClassifierHeadBesideTheDecoderIsABranchNotAVariationalLatent()
    {
        // forward() returning (decoder(h), classifier(h)): two Gemms of equal width read h, one carries on, the other is an
        // output; unlike a VAE's mean the decoder's first layer is no output, so this is not read as mean and log-variance.
        var g = new OnnxModelBuilder(opsetVersion: 17).AddInput("input", [-1, 8])
            .AddOutput("reconstruction", [-1, 8]).AddOutput("logits", [-1, 2]);
        Dense(g, "input", "h", 8, 5);
        g.AddNode("Relu", ["h"], ["h_relu"]);
        Dense(g, "h_relu", "d", 5, 2);
        Dense(g, "h_relu", "logits", 5, 2);
        g.AddNode("Relu", ["d"], ["d_relu"]);
        Dense(g, "d_relu", "reconstruction", 2, 8);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("Tensor 'h_relu' feeds 2 nodes", e.Message);
    }

    [Fact]
    public void VariationalSamplingInEvalModeIsNamedAsTheReparameterization()
    {
        // z = mu + randn_like(mu)·exp(logvar / 2) in eval mode too: the graph draws noise on every run.
        var g = new OnnxModelBuilder(opsetVersion: 17).AddInput("input", [-1, 8]).AddOutput("reconstruction", [-1, 8]);
        Dense(g, "input", "mu", 8, 2);
        g.AddNode("RandomNormalLike", ["mu"], ["eps"]);
        g.AddNode("Add", ["mu", "eps"], ["z"]);
        Dense(g, "z", "reconstruction", 2, 8);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("RandomNormalLike: torch.randn_like, as in a VAE that samples z in eval mode too: return mu when not self.training", e.Message);
    }

    [Fact]
    public void SoftsignIsNamedBehindItsAbs()
    {
        // nn.Softsign exports as x / (1 + |x|): Abs, Add, Div.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, 4]).AddOutput("y", [-1, 4]);
        Dense(g, "input", "h", 4, 2);
        g.AddNode("Abs", ["h"], ["abs"]);
        Dense(g, "abs", "y", 2, 4);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("no layer for: Abs (Abs: nn.Softsign, x / (1 + |x|))", e.Message);
    }

    [Theory]
    [InlineData(1.4142135f, 1f, 0.5f, null)]
    [InlineData(2f, 1f, 0.5f, "is not the single value 1.4142135")]
    [InlineData(1.4142135f, 1f, 0.25f, "is not the single value 0.5")]
    public void GeluPatternImportsOnlyWithItsOwnConstants(float divisor, float offset, float scale, string? refusal)
    {
        // x·(1 + erf(x / c1))·c3 with c2 added: nn.GELU() when (c1, c2, c3) = (√2, 1, 0.5), another function otherwise.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, 4]).AddOutput("y", [-1, 4]);
        Dense(g, "input", "h", 4, 2);
        g.AddInitializer("c1", [], [divisor]).AddInitializer("c2", [], [offset]).AddInitializer("c3", [], [scale]);
        g.AddNode("Div", ["h", "c1"], ["scaled"]).AddNode("Erf", ["scaled"], ["erf"]).AddNode("Add", ["erf", "c2"], ["gate"])
            .AddNode("Mul", ["h", "gate"], ["gated"]).AddNode("Mul", ["gated", "c3"], ["code"]);
        Dense(g, "code", "y", 2, 4);

        if (refusal is null)
        {
            var model = AutoencoderModel.ImportOnnx(g.ToByteArray());
            Assert.Contains(model.Spec.Layers, l => l is Engine.Layers.ActivationSpec { Function: Engine.Activation.Gelu });
            return;
        }
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));
        Assert.Contains(refusal, e.Message);
    }

    [Theory]
    [InlineData("none", null)]
    [InlineData("tanh", "approximate 'tanh' is another function than the exact GELU")]
    public void GeluOperatorImportsAsThePatternDoesWhenExact(string approximate, string? refusal)
    {
        // Opset 20's Gelu node (newer exporters' nn.GELU): the same engine activation as the Div/Erf/Add/Mul/Mul pattern.
        var g = new OnnxModelBuilder(opsetVersion: 20).AddInput("input", [-1, 4]).AddOutput("y", [-1, 4]);
        Dense(g, "input", "h", 4, 2);
        g.AddNode("Gelu", ["h"], ["code"], attributes: [OnnxAttribute.FromString("approximate", approximate)]);
        Dense(g, "code", "y", 2, 4);

        if (refusal is not null)
        {
            var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));
            Assert.Contains(refusal, e.Message);
            return;
        }
        var fromOperator = AutoencoderModel.ImportOnnx(g.ToByteArray());
        var p = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, 4]).AddOutput("y", [-1, 4]);
        Dense(p, "input", "h", 4, 2);
        p.AddInitializer("c1", [], [MathF.Sqrt(2)]).AddInitializer("c2", [], [1f]).AddInitializer("c3", [], [0.5f]);
        p.AddNode("Div", ["h", "c1"], ["scaled"]).AddNode("Erf", ["scaled"], ["erf"]).AddNode("Add", ["erf", "c2"], ["gate"])
            .AddNode("Mul", ["h", "gate"], ["gated"]).AddNode("Mul", ["gated", "c3"], ["code"]);
        Dense(p, "code", "y", 2, 4);
        var fromPattern = AutoencoderModel.ImportOnnx(p.ToByteArray());
        float[] rows = [.. Enumerable.Range(0, 12).Select(i => MathF.Sin(i * 0.7f))];

        Assert.Contains(fromOperator.Spec.Layers, l => l is Engine.Layers.ActivationSpec { Function: Engine.Activation.Gelu });
        Assert.Equal(fromPattern.Reconstruct(rows, 3), fromOperator.Reconstruct(rows, 3));
    }

    [Fact]
    public void ForkWhoseSigmoidIsReadElsewhereIsNoSilu()
    {
        // h·σ(h), but σ(h) is also a graph output: the fork is a real branch, not nn.SiLU.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, 4]).AddOutput("gate", [-1, 2]).AddOutput("y", [-1, 4]);
        Dense(g, "input", "h", 4, 2);
        g.AddNode("Sigmoid", ["h"], ["gate"]).AddNode("Mul", ["h", "gate"], ["code"]);
        Dense(g, "code", "y", 2, 4);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("Tensor 'h' feeds 2 nodes", e.Message);
        Assert.Contains("looks like x·sigmoid(x), nn.SiLU, which imports only as PyTorch writes it", e.Message);
    }

    [Fact]
    public void AveragePoolLeavingItsPaddingOutOfTheDivisorIsRefused()
    {
        // nn.AvgPool2d(3, padding=1, count_include_pad=False) writes its padding into AveragePool without counting it.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, 1, 4, 4]).AddOutput("y", [-1, 1, 4, 4]);
        g.AddNode("AveragePool", ["input"], ["y"], attributes:
            [OnnxAttribute.FromInts("kernel_shape", 3, 3), OnnxAttribute.FromInts("pads", 1, 1, 1, 1), OnnxAttribute.FromInts("strides", 1, 1)]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("count_include_pad=False", e.Message);
    }

    [Theory]
    [InlineData("reflect", 0f, "pads with the rows' own values")]
    [InlineData("constant", 0.5f, "pads with a value other than 0")]
    public void PadOtherThanZerosBeforeAveragePoolIsRefused(string mode, float value, string expected)
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, 1, 4, 4]).AddOutput("y", [-1, 1, 4, 4]);
        g.AddInt64Initializer("pads", [8], [0, 0, 1, 1, 0, 0, 1, 1]).AddInitializer("value", [], [value]);
        g.AddNode("Pad", ["input", "pads", "value"], ["padded"], attributes: [OnnxAttribute.FromString("mode", mode)]);
        g.AddNode("AveragePool", ["padded"], ["y"], attributes: [OnnxAttribute.FromInts("kernel_shape", 3, 3), OnnxAttribute.FromInts("strides", 1, 1)]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void CeilModeAveragePoolAfterAPadWhoseLastWindowStartsInThePaddingIsRefused()
    {
        // nn.AvgPool2d(2, padding=1, ceil_mode=True) on 3×3: ONNX sizes Pad + AveragePool(ceil_mode=1) as ceil(3 / 2) + 1 = 3, its
        // last window over padding alone; PyTorch drops that window (2×2), so ONNX Runtime gives a row and column more.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, 1, 3, 3]).AddOutput("y", [-1, 1, 3, 3]);
        g.AddInt64Initializer("pads", [8], [0, 0, 1, 1, 0, 0, 1, 1]);
        g.AddNode("Pad", ["input", "pads"], ["padded"], attributes: [OnnxAttribute.FromString("mode", "constant")]);
        g.AddNode("AveragePool", ["padded"], ["y"], attributes:
            [OnnxAttribute.FromInts("kernel_shape", 2, 2), OnnxAttribute.FromInts("strides", 2, 2), OnnxAttribute.FromInt("ceil_mode", 1)]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("gives 3×3 in ONNX, whose last window starts in the bottom/right padding", e.Message);
        Assert.Contains("drops that window (2×2)", e.Message);
    }

    [Fact]
    public void CeilModeAveragePoolCountingItsOwnPadsWhoseLastWindowStartsInThePaddingIsRefused()
    {
        // The same pooling with its padding as AveragePool's own pads, counted (count_include_pad=1), on 5×5: ONNX 4×4, PyTorch 3×3.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, 1, 5, 5]).AddOutput("y", [-1, 1, 5, 5]);
        g.AddNode("AveragePool", ["input"], ["y"], attributes:
            [OnnxAttribute.FromInts("kernel_shape", 2, 2), OnnxAttribute.FromInts("strides", 2, 2), OnnxAttribute.FromInts("pads", 1, 1, 1, 1),
             OnnxAttribute.FromInt("count_include_pad", 1), OnnxAttribute.FromInt("ceil_mode", 1)]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("gives 4×4 in ONNX", e.Message);
        Assert.Contains("drops that window (3×3)", e.Message);
    }

    private static void Dense(OnnxModelBuilder g, string x, string y, int inputs, int units)
    {
        g.AddInitializer(y + "_w", [units, inputs], [.. Enumerable.Range(0, units * inputs).Select(i => MathF.Sin(i + 1f))]);
        g.AddInitializer(y + "_b", [units], [.. Enumerable.Range(0, units).Select(i => MathF.Cos(i + 1f))]);
        g.AddNode("Gemm", [x, y + "_w", y + "_b"], [y], attributes: [OnnxAttribute.FromInt("transB", 1)]);
    }
}
