namespace Microsoft.ML.Autoencoders.Benchmarks.Tests;

public class GemmCasesTests
{
    [Fact]
    public void TrainingStepHasElevenProductsWithoutTheFirstInputGradient()
    {
        var step = GemmCases.AutoencoderStep;
        Assert.Equal(11, step.Count);
        Assert.Equal(4, step.Count(c => c.Layout == "NN"));
        Assert.Equal(4, step.Count(c => c.Layout == "TN"));
        Assert.Equal(3, step.Count(c => c.Layout == "NT"));
        Assert.DoesNotContain(step, c => c.Name.StartsWith("sgemm_ae_L1_", StringComparison.Ordinal) && c.Layout == "NT");
        Assert.Equal(step.Count, step.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public void TrainingStepFlopsMatchTheLayerSizes()
    {
        // Multiply-adds per row: forward and weight gradient of every layer (784·256 + 256·64 + 64·256 + 256·784,
        // twice), input gradient of layers 2–4 (256·64 + 64·256 + 256·784); times batch 256, times 2 FLOP.
        long perRow = 2L * (784 * 256 + 256 * 64 + 64 * 256 + 256 * 784) + (256 * 64 + 64 * 256 + 256 * 784);
        Assert.Equal(2.0 * 256 * perRow, GemmCases.AutoencoderStep.Sum(c => c.Flops));
    }

    [Fact]
    public void StepMixWeighsCasesByTheirTime()
    {
        // Every product taking one second: the mix is total FLOP over 11 s, not the mean of per-case rates.
        var seconds = GemmCases.AutoencoderStep.ToDictionary(c => c.Name, _ => 1.0);
        double expected = GemmCases.AutoencoderStep.Sum(c => c.Flops) / 11.0 / 1e9;
        Assert.Equal(expected, GemmCases.StepMixGflops(seconds), 9);
    }

    [Fact]
    public void FirstLayerInputGradientIsTimedButKeptOutOfTheStep()
    {
        // dX = dY·Wᵀ for layer 1: dY [256, 256] times W [784, 256] read transposed.
        var dX = Assert.Single(GemmCases.UnusedInTraining);
        Assert.Equal(new GemmCase("sgemm_ae_L1_784x256_dX_NT", false, true, 256, 784, 256), dX);
        Assert.Equal((784, 256), (dX.RowsB, dX.ColsB));
        Assert.Contains(dX, GemmCases.All);
        Assert.DoesNotContain(dX, GemmCases.AutoencoderStep);
        Assert.Equal(2 + 12, GemmCases.All.Count());
        Assert.Equal(GemmCases.All.Count(), GemmCases.All.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public void StepMixIgnoresTheProductTrainingNeverComputes()
    {
        var seconds = GemmCases.All.ToDictionary(c => c.Name, _ => 1.0);
        double mix = GemmCases.StepMixGflops(seconds);
        seconds["sgemm_ae_L1_784x256_dX_NT"] = 1000.0;
        Assert.Equal(mix, GemmCases.StepMixGflops(seconds));
    }

    [Fact]
    public void AllListsTheAutoencoderLayerByLayer()
    {
        string[] layer1 = GemmCases.All.Select(c => c.Name).Where(n => n.StartsWith("sgemm_ae_", StringComparison.Ordinal)).Take(3).ToArray();
        Assert.Equal(["sgemm_ae_L1_784x256_fwd_NN", "sgemm_ae_L1_784x256_dW_TN", "sgemm_ae_L1_784x256_dX_NT"], layer1);
    }

    [Fact]
    public void StoredShapesFollowTheTransposeFlags()
    {
        var dW = GemmCases.AutoencoderStep.Single(c => c.Name == "sgemm_ae_L1_784x256_dW_TN");
        Assert.Equal((256, 784), (dW.RowsA, dW.ColsA)); // X is [batch, in], read transposed
        var dX = GemmCases.AutoencoderStep.Single(c => c.Name == "sgemm_ae_L4_256x784_dX_NT");
        Assert.Equal((256, 784), (dX.RowsB, dX.ColsB)); // W is [in, out], read transposed
    }
}
