using Microsoft.ML.Autoencoders.Scoring;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// A cursor that reads no code scores its batches band by band (<see cref="Engine.Models.AutoencoderNetwork.Reconstruct"/>),
/// one that reads the code layer by layer: a row's reconstruction and error must not depend on which.
/// </summary>
public class EngineBatchScorerTests
{
    [Theory]
    [InlineData(256, 1)]
    [InlineData(256, 2)]
    [InlineData(197, 2)]   // two parts of 96+ rows, uneven
    [InlineData(40, 2)]    // too few rows for bands: the layer-by-layer fallback
    public void WithoutTheCodeABatchGivesTheBitsItGivesWithIt(int rows, int threads)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(SyntheticData.Rows(300));
        var network = TestAutoencoders.Fit(ml, data).Model.Network;
        float[] inputs = SyntheticData.Rows(rows).SelectMany(r => r.Features).ToArray();
        var withCode = new EngineBatchScorer(network, 256, needsDecoder: true, needsCode: true, threads);
        var withoutCode = new EngineBatchScorer(network, 256, needsDecoder: true, needsCode: false, threads);
        foreach (var scorer in new[] { withCode, withoutCode })
        {
            for (int r = 0; r < rows; r++) inputs.AsSpan(r * network.InputSize, network.InputSize).CopyTo(scorer.Input(r));
            scorer.Score(rows);
        }

        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(withCode.Reconstruction(r).ToArray(), withoutCode.Reconstruction(r).ToArray());
            Assert.Equal(withCode.Error(r), withoutCode.Error(r));
        }
        Assert.NotEqual(0f, withoutCode.Error(rows - 1));
        Assert.Throws<InvalidOperationException>(() => withoutCode.Code(0).ToArray());
    }
}
