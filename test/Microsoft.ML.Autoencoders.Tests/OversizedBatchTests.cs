using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// A batch too large for memory is refused naming BatchSize first, and the network it describes is the real one: the
/// constructor, which does not know the input's width yet, used to print its placeholder width of 1 as the input's.
/// </summary>
public class OversizedBatchTests
{
    [Fact]
    public void AtConstructionTheMessageNamesBatchSizeAndNoPlaceholderWidth()
    {
        var options = TestAutoencoders.Options();
        options.BatchSize = int.MaxValue;

        var error = Assert.Throws<ArgumentException>(() => new MLContext(seed: 1).Transforms.Autoencoder(options));

        Assert.Contains("The network (input → 8 → 3 → 8 → input) needs at least", error.Message);
        Assert.Contains("lower BatchSize, or lower HiddenLayerSizes or CodeSize", error.Message);
    }

    [Fact]
    public void WithAKnownWidthTheMessageGivesTheRealWidthsAndTheLargestBatchThatFits()
    {
        // An InputShape gives the width at construction, so the check there already knows the network.
        var options = new AutoencoderOptions
        {
            InputShape = [SyntheticData.Width],
            EncoderLayers = [new DenseSpec(8), new ActivationSpec(Activation.Relu), new DenseSpec(3)],
            BatchSize = int.MaxValue,
        };

        var error = Assert.Throws<ArgumentException>(() => new MLContext(seed: 1).Transforms.Autoencoder(options));

        Assert.Contains($"The network ({SyntheticData.Width} → 8 → 3 → 8 → {SyntheticData.Width}) needs at least", error.Message);
        Assert.Matches(@"lower BatchSize \(batches of up to [\d,]+ rows fit\), or lower HiddenLayerSizes or CodeSize", error.Message);
    }
}
