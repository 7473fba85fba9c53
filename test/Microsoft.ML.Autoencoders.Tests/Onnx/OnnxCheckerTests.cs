using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Onnx;

/// <summary>
/// Models written by <see cref="OnnxModelBuilder"/> pass the ONNX project's own checker. Without
/// Python's onnx package the tests log that the check did not run (and pass), unless
/// <c>ONNX_CHECKER_REQUIRED=1</c> makes that a failure, as CI should set it.
/// </summary>
public sealed class OnnxCheckerTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("onnx-checker-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TwoLayerMlpPassesFullCheck(bool batched)
    {
        AssertValid(new TwoLayerMlpModel(seed: 2).CreateBuilder(batched), batched ? "mlp-batched" : "mlp-row");
    }

    [Fact]
    public void FloatAttributesAndInt64InitializersPassFullCheck()
    {
        OnnxModelBuilder builder = new OnnxModelBuilder("reshape_leaky")
            .AddInput("x", [-1, 4])
            .AddInt64Initializer("square", [3], [-1, 2, 2])
            .AddInt64Initializer("flat", [2], [-1, 4])
            .AddNode("Reshape", ["x", "square"], ["x_square"])
            .AddNode("LeakyRelu", ["x_square"], ["activated"], attributes: OnnxAttribute.FromFloat("alpha", 0.1f))
            .AddNode("Reshape", ["activated", "flat"], ["y"])
            .AddOutput("y", [-1, 4])
            .SetMetadata("purpose", "checker test");

        AssertValid(builder, "reshape-leaky");
    }

    [Fact]
    public void ConvolutionalModelWithEveryImageNodePassesFullCheck()
    {
        // Conv, BatchNormalization, MaxPool, ConvTranspose, Resize (nearest and linear), between the reshapes of flat rows.
        var relu = new ActivationSpec(Activation.Relu);
        var rows = ImageRows(seed: 3);
        var ml = new MLContext(seed: 1);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InputColumnName = nameof(ImageRow.Pixels), InputShape = [1, 8, 8],
            EncoderLayers = [new Conv2dSpec(4, 3), new BatchNorm2dSpec(), relu, new MaxPool2dSpec(2), new Conv2dSpec(4, 3, Stride: 2), relu],
            DecoderLayers =
            [
                new ConvTranspose2dSpec(4, 3, Stride: 2), relu, new Upsample2dSpec(2),                 // 2×2 → 4×4 → 8×8
                new Conv2dSpec(2, 3), relu, new Upsample2dSpec(2, UpsampleMode.Bilinear),             // → 16×16
                new Conv2dSpec(1, 3, Stride: 2), new ActivationSpec(Activation.Sigmoid),                // → 8×8
            ],
            Epochs = 1, BatchSize = 8, NumberOfThreads = 1,
        }).Fit(ml.Data.LoadFromEnumerable(rows));
        using var onnx = new MemoryStream();
        transformer.SaveAsOnnx(onnx);
        AssertValid(onnx.ToArray(), "conv-every-node");
    }

    [Fact]
    public void ImportedKindsOfLayerPassFullCheck()
    {
        // What PyTorch models bring: Pad + AveragePool (padded, ceil mode), GELU's Div/Erf/Add/Mul/Mul, SiLU's Sigmoid + Mul, Clip.
        var rows = ImageRows(seed: 4);
        var ml = new MLContext(seed: 1);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InputColumnName = nameof(ImageRow.Pixels), InputShape = [1, 8, 8],
            EncoderLayers =
            [
                new Conv2dSpec(4, 3), new ActivationSpec(Activation.Gelu), new AvgPool2dSpec(3, 2, 1, CeilMode: true), // 8 → 4
                new Conv2dSpec(2, 3), new ActivationSpec(Activation.Silu), new AvgPool2dSpec(2), new ClippedLinearSpec(0f, 6f), // 4 → 2
            ],
            DecoderLayers = [new Upsample2dSpec(4), new Conv2dSpec(1, 3), new ClippedLinearSpec(-1f, 1f)],
            Epochs = 1, BatchSize = 8, NumberOfThreads = 1,
        }).Fit(ml.Data.LoadFromEnumerable(rows));
        using var onnx = new MemoryStream();
        transformer.SaveAsOnnx(onnx);
        AssertValid(onnx.ToArray(), "imported-kinds");
    }

    [Fact]
    public void ConvolutionalVariationalModelAndItsPartsPassFullCheck()
    {
        // The whole graph with its negative-ELBO nodes, the encoder with the log-variance, and the decoder alone.
        var rows = ImageRows(seed: 4);
        var ml = new MLContext(seed: 1);
        var transformer = ml.Transforms.VariationalAutoencoder(new AutoencoderOptions
        {
            InputColumnName = nameof(ImageRow.Pixels), InputShape = [1, 8, 8], ConvolutionBlocks = [new(4, 3, Stride: 2, Pooling: 1)],
            HiddenLayerSizes = [8], CodeSize = 3, Loss = AutoencoderLoss.BinaryCrossEntropy, OutputActivation = AutoencoderActivation.Sigmoid,
            NegativeElboColumnName = "Elbo", Epochs = 1, BatchSize = 8, NumberOfThreads = 1,
        }).Fit(ml.Data.LoadFromEnumerable(rows));
        var parts = new (string Name, Action<Stream> Write)[]
        {
            ("vae-whole", transformer.SaveAsOnnx), ("vae-encoder", transformer.SaveEncoderAsOnnx), ("vae-decoder", transformer.SaveDecoderAsOnnx),
        };
        OnnxPythonChecker? checker = FindCheckerOrExplain();
        foreach (var (name, write) in parts)
        {
            using var onnx = new MemoryStream();
            write(onnx);
            string path = Save(onnx.ToArray(), name);
            if (checker is null) continue;
            var (passed, text) = checker.Check(path);
            output.WriteLine($"{name}: {text}");
            Assert.True(passed, $"onnx.checker rejected {name}: {text}");
        }
    }

    /// <summary>32 rows of 8 × 8 random pixels, enough for one epoch of a network whose graph is checked.</summary>
    private static List<ImageRow> ImageRows(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, 32).Select(_ => new ImageRow { Pixels = Enumerable.Range(0, 64).Select(_ => (float)random.NextDouble()).ToArray() }).ToList();
    }

    private sealed class ImageRow
    {
        [Microsoft.ML.Data.VectorType(64)]
        public float[] Pixels { get; set; } = [];
    }

    [Fact]
    public void CheckerRejectsAnUnknownOperator()
    {
        // Proves the check can fail: the same route must reject what ONNX does not define.
        OnnxPythonChecker? checker = FindCheckerOrExplain();
        if (checker is null)
            return;

        byte[] bytes = new OnnxModelBuilder()
            .AddInput("x", [2]).AddNode("NoSuchOperator", ["x"], ["y"]).AddOutput("y", [2]).ToByteArray();
        var (passed, text) = checker.Check(Save(bytes, "unknown-operator"));

        output.WriteLine(text);
        Assert.False(passed, "The ONNX checker accepted an unknown operator.");
    }

    private void AssertValid(OnnxModelBuilder builder, string name) => AssertValid(builder.ToByteArray(), name);

    private void AssertValid(byte[] model, string name)
    {
        OnnxPythonChecker? checker = FindCheckerOrExplain();
        if (checker is null)
            return;

        var (passed, text) = checker.Check(Save(model, name));

        output.WriteLine($"{checker.Python} (onnx {checker.OnnxVersion}): {text}");
        Assert.True(passed, $"onnx.checker rejected the model: {text}");
    }

    private OnnxPythonChecker? FindCheckerOrExplain()
    {
        OnnxPythonChecker? checker = OnnxPythonChecker.Find(out string whyMissing);
        if (checker is not null)
            return checker;

        string message = "NOT CHECKED: no Python with the onnx package was found (" + whyMissing + "). " +
            "Install it (Debian/Ubuntu: apt-get install python3-onnx; elsewhere: pip install onnx) or point " +
            $"{OnnxPythonChecker.PythonVariable} at an interpreter that has it. Set {OnnxPythonChecker.RequiredVariable}=1 to make this a failure.";
        Assert.True(Environment.GetEnvironmentVariable(OnnxPythonChecker.RequiredVariable) != "1", message);
        output.WriteLine(message);
        return null;
    }

    private string Save(byte[] bytes, string name)
    {
        string path = Path.Combine(_directory, name + ".onnx");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
