using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// Keras' Conv1D + MaxPooling1D + UpSampling1D time-series autoencoder through ML.NET: windows in a vector column, the
/// encoder given as EncoderLayers with the window's shape and its decoder mirrored (max_pool1d into upsample1d), trained by
/// the estimator and scored alike by ONNX Runtime; and the exported pooling and upsampling held to the engine within 1e-6.
/// </summary>
public class SequencePoolingNetworkTests
{
    private const int Steps = SineWindows.Steps, Channels = SineWindows.Channels;

    private static LayerSpec[] Encoder =>
    [
        new TransposeSpec(), new Conv1dSpec(8, 3), new ActivationSpec(Activation.Relu), new MaxPool1dSpec(2),
        new Conv1dSpec(4, 3), new ActivationSpec(Activation.Relu), new MaxPool1dSpec(2),
    ];

    [Fact]
    public void PoolingSeriesAutoencoderTrainsThroughTheEstimatorWithAMirroredDecoder()
    {
        var ml = new MLContext(seed: 1);
        var rows = SineWindows.Make(256);
        var data = ml.Data.LoadFromEnumerable(rows);
        var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InputColumnName = nameof(SineWindows.Row.Window), EncodedColumnName = "Code", ReconstructionColumnName = "Reconstruction", ReconstructionErrorColumnName = "Error",
            InputShape = [Steps, Channels], EncoderLayers = Encoder,
            Epochs = 20, BatchSize = 16, LearningRate = 5e-3f, NumberOfThreads = 1,
        }).Fit(data);

        var spec = transformer.Model.Spec;
        Assert.Equal(new TensorShape(4, 4), spec.CodeShape);
        Assert.Equal(2, spec.Decoder.Count(l => l is Upsample1dSpec { Scale: 2 }));
        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < 0.5 * epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        ExportParity.AssertScoresAlike(ml, transformer, data, rows.SelectMany(r => r.Window).ToArray());
    }

    /// <summary>Pooling and nearest upsampling are exact in both, so ONNX Runtime gives the engine's values within 1e-6.</summary>
    [Theory]
    [InlineData(2, 0, 0, 2)]
    [InlineData(3, 2, 1, 2)]
    [InlineData(4, 1, 2, 1)]
    [InlineData(3, 3, 0, 3)]
    public void OnnxRuntime_PoolsAndUpsamplesAsTheEngine(int window, int stride, int padding, int scale)
    {
        var pool = new MaxPool1dSpec(window, stride, padding);
        int pooled = pool.OutputLength(12);
        var spec = NetworkSpec.Create(new TensorShape(3, 12), [pool],
            [new Upsample1dSpec(scale), new Conv1dSpec(3, pooled * scale - 11, 1, Conv2dPadding.Valid)]);
        var network = AutoencoderNetwork.Create(spec, seed: 3);
        var model = new AutoencoderModel(network, null);
        const int Count = 4;
        var random = new Random(5);
        float[] batch = [.. Enumerable.Range(0, Count * model.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        // Ties: whole windows of one value, which both must give the same maximum (and the engine routes to the first).
        for (int i = 0; i < 6; i++) batch[i] = 0.25f;

        using var session = new InferenceSession(AutoencoderOnnx.ToBytes(model, new AutoencoderColumns("Window", "Code", "Reconstruction", "Error"),
            AutoencoderOnnx.GraphNames.Standalone, batched: true));
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(batch, [Count, model.InputSize]))]);
        ColumnValues.AssertClose(model.Encode(batch, Count), results.Single(r => r.Name == "encoded").AsEnumerable<float>().ToArray(), "pooled code", tolerance: 1e-6);
        ColumnValues.AssertClose(model.Reconstruct(batch, Count), results.Single(r => r.Name == "reconstruction").AsEnumerable<float>().ToArray(), "reconstruction", tolerance: 1e-6);
    }
}
