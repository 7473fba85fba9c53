namespace Microsoft.ML.Autoencoders;

/// <summary>The reconstruction loss minimized during training.</summary>
public enum AutoencoderLoss
{
    /// <summary>Mean squared error: the default, suits any real-valued data.</summary>
    MeanSquaredError,
    /// <summary>Binary cross-entropy: for data in [0, 1] (e.g. pixel intensities), best with a sigmoid output.</summary>
    BinaryCrossEntropy,
    /// <summary>Mean absolute error: less sensitive to outlying values.</summary>
    L1,
}
