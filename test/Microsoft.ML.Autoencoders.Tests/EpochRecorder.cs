using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// An <see cref="IProgress{T}"/> that records each report on the training thread as it is made (unlike
/// <see cref="Progress{T}"/>, which posts it), and can cancel a token after a given epoch.
/// </summary>
internal sealed class EpochRecorder(CancellationTokenSource? cancelAfter = null, int epoch = 0) : IProgress<EpochMetrics>
{
    public List<EpochMetrics> Reports { get; } = [];

    /// <summary>When the token was cancelled, on <see cref="System.Diagnostics.Stopwatch"/>'s clock.</summary>
    public long CancelledAt { get; private set; }

    public void Report(EpochMetrics value)
    {
        Reports.Add(value);
        if (cancelAfter != null && value.Epoch == epoch)
        {
            CancelledAt = System.Diagnostics.Stopwatch.GetTimestamp();
            cancelAfter.Cancel();
        }
    }
}
