using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Tests.Onnx;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// The encoder and the decoder exported alone (<see cref="AutoencoderTransformer.SaveEncoderAsOnnx"/>,
/// <see cref="AutoencoderTransformer.SaveDecoderAsOnnx"/>) score as the engine's halves under ONNX Runtime, batched, and
/// pass the ONNX checker.
/// </summary>
public sealed class OnnxPartExportTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EncoderAndDecoderFilesScoreAsTheEngine(bool convolutional)
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 120);
        var transformer = TestAutoencoders.Fit(ml, data, convolutional ? ConvolutionalOptions : null);
        var model = transformer.Model;
        int rows = 40;
        float[] inputs = SyntheticData.Rows(rows, seed: 5).SelectMany(r => r.Features).ToArray();
        byte[] encoder = Part(transformer.SaveEncoderAsOnnx), decoder = Part(transformer.SaveDecoderAsOnnx);

        float[] codes = Run(encoder, "input", inputs, rows, model.InputSize, "encoded");
        float[] reconstructions = Run(decoder, "encoded", codes, rows, model.CodeSize, "reconstruction");

        ColumnValues.AssertClose(model.Encode(inputs, rows), codes, "codes");
        ColumnValues.AssertClose(model.Reconstruct(inputs, rows), reconstructions, "decoder(encoder(x))");
        var e = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadOnnx(new MemoryStream(decoder)));
        Assert.Contains("only the decoder", e.Message);

        OnnxPythonChecker? checker = OnnxPythonChecker.Find(out string why);
        if (checker is null)
        {
            Assert.True(Environment.GetEnvironmentVariable(OnnxPythonChecker.RequiredVariable) != "1", "NOT CHECKED: " + why);
            output.WriteLine("NOT CHECKED: no Python with onnx (" + why + ").");
            return;
        }
        foreach (var (bytes, name) in new[] { (encoder, "encoder"), (decoder, "decoder") })
        {
            using var file = new TemporaryFile(".onnx");
            File.WriteAllBytes(file.Path, bytes);
            var (passed, text) = checker.Check(file.Path);
            Assert.True(passed, $"onnx.checker rejected the {name}: {text}");
        }
    }

    // 12 values as [3, 2, 2]; the code is an image [2, 2, 2], so the decoder file's flat input is reshaped to one inside.
    private static void ConvolutionalOptions(AutoencoderOptions o)
    {
        o.InputShape = [3, 2, 2];
        o.EncoderLayers = [new Conv2dSpec(2, 2), new ActivationSpec(Activation.Relu)];
        o.DecoderLayers = [new Conv2dSpec(3, 2), new ActivationSpec(Activation.Sigmoid)];
        o.HiddenLayerSizes = AutoencoderEstimator.Defaults.HiddenLayerSizes;
        o.CodeSize = AutoencoderEstimator.Defaults.CodeSize;
        o.OutputActivation = AutoencoderEstimator.Defaults.OutputActivation;
    }

    private static byte[] Part(Action<Stream> save)
    {
        using var stream = new MemoryStream();
        save(stream);
        return stream.ToArray();
    }

    private static float[] Run(byte[] onnx, string input, float[] values, int rows, int width, string outputName)
    {
        using var session = new InferenceSession(onnx);
        using var value = OrtValue.CreateTensorValueFromMemory(values, [rows, width]);
        using var options = new RunOptions();
        using var results = session.Run(options, [input], [value], [outputName]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
