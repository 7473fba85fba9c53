namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The network under a detector's threshold: one the library trained (<see cref="EngineDetectorNetwork"/>) or an
/// imported ONNX graph (<see cref="ImportedDetectorNetwork"/>). The detector asks it for scores of arrays (training and
/// calibration rows), for a transformer that writes the error (and reconstruction) columns, and for the saved steps that
/// do the same after <c>mlContext.Model.Load</c>; the threshold, the score rule and the head graph are the same for both.
/// </summary>
internal abstract class DetectorNetwork
{
    /// <summary>Values per input row.</summary>
    public abstract int InputSize { get; }

    /// <summary>Each row's raw score: its mean squared reconstruction error, or a variational network's negative ELBO.</summary>
    public abstract float[] RawScores(float[] data, int rows, int threads);

    /// <summary>
    /// The transformer that adds <paramref name="columns"/>' outputs, batched, for scoring before saving; the raw score goes
    /// to the column named as the reconstruction error.
    /// </summary>
    public abstract ITransformer ScoringTransformer(AutoencoderColumns columns, int threads);

    /// <summary>
    /// The saved steps that add the raw score as a vector [1] (<paramref name="errorVector"/>) and, when
    /// <paramref name="reconstructionColumn"/> is set, the flat reconstruction, reading <paramref name="featureColumn"/>; every
    /// column they add besides these goes into <paramref name="reserved"/>. <paramref name="networkOnnx"/> is the graph the
    /// detector's head pairs itself with by hash.
    /// </summary>
    public abstract IEstimator<ITransformer> SavedSteps(MLContext ml, string featureColumn, string errorVector, string? reconstructionColumn,
        List<string> reserved, out byte[] networkOnnx);
}
