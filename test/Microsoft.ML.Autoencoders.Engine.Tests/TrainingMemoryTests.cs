using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>Network sizes are worked out from the spec, before allocation, so absurd ones fail with a clear message.</summary>
public class TrainingMemoryTests
{
    [Fact]
    public void EstimateCountsDenseWeightsFourTimesAndEveryNodeTwicePerRow()
    {
        var spec = new AutoencoderArchitecture { InputSize = 10, HiddenSizes = [6], CodeSize = 2 }.ToSpec().Resolve();
        long weights = 10 * 6 + 6 * 2 + 2 * 6 + 6 * 10;
        long nodes = spec.InputShape.Size + spec.Layers.Sum(l => (long)l.OutputShape!.Size);
        Assert.Equal(4 * (4 * weights + 2 * nodes * 32), TrainingMemory.EstimateBytes(spec, batchSize: 32));
        Assert.Equal(4 * 4 * weights, TrainingMemory.FixedBytes(spec));
        Assert.Equal(4 * 2 * nodes, TrainingMemory.BytesPerBatchRow(spec));
        Assert.Equal(60, TrainingMemory.LargestWeightMatrix(spec));
    }

    [Fact]
    public void AWeightMatrixPastTheLargestArray_IsRefusedBeforeAllocating()
    {
        var architecture = new AutoencoderArchitecture { InputSize = 784, HiddenSizes = [1_000_000_000], CodeSize = 2 };
        var error = Assert.Throws<ArgumentException>(() => AutoencoderNetwork.CreateUninitialized(architecture));
        Assert.Contains("more than the largest array", error.Message);
    }
}
