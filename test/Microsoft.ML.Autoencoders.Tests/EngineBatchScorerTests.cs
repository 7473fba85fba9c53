using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Scoring;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// A cursor's batches run band by band where the network allows (<see cref="Engine.Models.AutoencoderNetwork.Reconstruct(Engine.Models.ActivationCache, ReadOnlySpan{float}, Span{float}, Span{float}, int, in LayerContext)"/>),
/// copying the codes out when they are read: a row's code, reconstruction and error must be the bits of the plain
/// layer-by-layer forward pass.
/// </summary>
public class EngineBatchScorerTests
{
    [Theory]
    [InlineData(256, 1)]
    [InlineData(256, 2)]
    [InlineData(197, 2)]   // two parts of 96+ rows, uneven
    [InlineData(40, 2)]    // too few rows for bands: the layer-by-layer fallback
    public void ABatchGivesTheBitsOfTheLayerByLayerPass(int rows, int threads)
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(SyntheticData.Rows(300));
        var network = TestAutoencoders.Fit(ml, data).Model.Network;
        float[] inputs = SyntheticData.Rows(rows).SelectMany(r => r.Features).ToArray();
        var cache = network.CreateCache(rows);
        inputs.CopyTo(network.Input(cache, rows));
        network.Forward(cache, rows, LayerContext.Inference(threads));
        float[] codes = network.Code(cache, rows).ToArray(), reconstructions = network.Reconstruction(cache, rows).ToArray();

        var withCode = new EngineBatchScorer(network, 256, needsDecoder: true, needsCode: true, threads);
        var withoutCode = new EngineBatchScorer(network, 256, needsDecoder: true, needsCode: false, threads);
        foreach (var scorer in new[] { withCode, withoutCode })
        {
            for (int r = 0; r < rows; r++) inputs.AsSpan(r * network.InputSize, network.InputSize).CopyTo(scorer.Input(r));
            scorer.Score(rows);
            for (int r = 0; r < rows; r++)
            {
                Assert.Equal(reconstructions.AsSpan(r * network.InputSize, network.InputSize).ToArray(), scorer.Reconstruction(r).ToArray());
                // The error from the plain pass's reconstruction, not from another scorer.
                float expected = Engine.Losses.ReconstructionError.MeanSquared(inputs.AsSpan(r * network.InputSize, network.InputSize),
                    reconstructions.AsSpan(r * network.InputSize, network.InputSize));
                Assert.Equal(expected, scorer.Error(r));
            }
        }

        for (int r = 0; r < rows; r++) Assert.Equal(codes.AsSpan(r * network.CodeSize, network.CodeSize).ToArray(), withCode.Code(r).ToArray());
        Assert.NotEqual(0f, withoutCode.Error(rows - 1));
        Assert.Throws<InvalidOperationException>(() => withoutCode.Code(0).ToArray());
    }
}
