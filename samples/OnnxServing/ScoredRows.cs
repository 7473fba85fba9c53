namespace OnnxServing;

/// <summary>What the ML.NET autoencoder transformer adds to a row, read back with <c>CreateEnumerable</c>.</summary>
internal sealed class EncodedRow
{
    public float[] Encoded { get; set; } = [];

    public float ReconstructionError { get; set; }
}

/// <summary>What the ML.NET anomaly detector adds to a row, read back with <c>CreateEnumerable</c>.</summary>
internal sealed class DetectedRow
{
    public float Score { get; set; }

    public bool PredictedLabel { get; set; }
}
