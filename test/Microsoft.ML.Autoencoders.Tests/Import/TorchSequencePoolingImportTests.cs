using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// nn.MaxPool1d and nn.Upsample over series, exported by torch.onnx.export (<see cref="TorchOnnxModels.SequencePooling"/>):
/// they import as the engine's max_pool1d and upsample1d, with the pooled output as the code. Scoring as PyTorch, fine-tuning
/// and exporting again are held with the other PyTorch files (<see cref="TorchOnnxImportTests"/>).
/// </summary>
public sealed class TorchSequencePoolingImportTests
{
    [Theory]
    [InlineData("torch_conv1d_maxpool_upsample", 2, 0, 0)]
    [InlineData("torch_conv1d_maxpool_padded", 3, 2, 1)]
    public void PoolingAndUpsamplingImportAsTheEngines1dLayers(string name, int window, int stride, int padding)
    {
        var model = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path(name));

        Assert.Equal(["conv1d", "activation", "max_pool1d", "conv1d", "activation", "max_pool1d"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(["conv1d", "activation", "upsample1d", "conv1d", "activation", "upsample1d", "conv1d"], model.Spec.Decoder.Select(l => l.Kind));
        // ONNX's stride is written out: MaxPool1d(2) comes back with stride 2, the window's.
        var pool = (MaxPool1dSpec)model.Spec.Encoder[2];
        Assert.Equal((window, stride == 0 ? window : stride, padding), (pool.PoolSize, pool.EffectiveStride, pool.Padding));
        Assert.Equal(2, ((Upsample1dSpec)model.Spec.Decoder[2]).Scale);
        Assert.Equal(new Engine.Specs.TensorShape(4, 4), model.Spec.CodeShape);
    }
}
