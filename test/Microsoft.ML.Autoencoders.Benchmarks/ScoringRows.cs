using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>One MNIST image as ML.NET reads it, for the scoring harnesses' data views and prediction engines.</summary>
internal sealed class ScoringImage
{
    [VectorType(AutoencoderCase.InputSize)]
    public float[] Features { get; set; } = [];
}

/// <summary>What the scoring harnesses' prediction engines read back: the reconstruction and its error.</summary>
internal sealed class ScoringOutput
{
    public float[] Reconstruction { get; set; } = [];

    public float Error { get; set; }
}
