using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

public class AutoencoderPipelineTests
{
    private static AutoencoderOptions SmallOptions() => new()
    {
        InputColumnName = "Features",
        EncodedColumnName = "Encoded",
        ReconstructionColumnName = "Reconstruction",
        ReconstructionErrorColumnName = "Error",
        HiddenLayerSizes = [8],
        CodeSize = 3,
        OutputActivation = AutoencoderActivation.Sigmoid,
        Epochs = 30,
        BatchSize = 32,
        LearningRate = 0.01f,
        NumberOfThreads = 1,
    };

    [Fact]
    public void FitAddsColumnsAndLearns()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 600);
        var history = new List<double>();
        var options = SmallOptions();
        options.EpochCompleted = m => history.Add(m.TrainingLoss);
        var transformer = ml.Transforms.Autoencoder(options).Fit(data);
        var scored = transformer.Transform(data);

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 3), scored.Schema["Encoded"].Type);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, SyntheticData.Width), scored.Schema["Reconstruction"].Type);
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Error"].Type);
        Assert.Equal(30, history.Count);
        Assert.True(history[^1] < history[0] * 0.5, $"loss {history[0]} → {history[^1]}");

        var errors = scored.GetColumn<float>("Error").ToArray();
        Assert.Equal(600, errors.Length);
        Assert.True(errors.Average() < 0.01, $"mean error {errors.Average()}");
    }
}
