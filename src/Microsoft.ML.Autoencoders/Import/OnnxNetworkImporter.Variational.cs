using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

internal sealed partial class OnnxNetworkImporter
{
    /// <summary>
    /// A VAE's mean and log-variance heads as PyTorch exports a forward() returning (reconstruction, mu, logvar) in eval
    /// mode, z = mu: two Gemms of equal width reading the tensor <paramref name="x"/>, both graph outputs, one (the mean)
    /// carrying on into the decoder as well, the other read by nothing else and named as a log-variance
    /// (<see cref="OnnxImportHints.NamesLogVariance"/>). The shape alone does not tell a VAE: a plain autoencoder returning
    /// (reconstruction, code, aux(code's input)) with aux as wide as the code has it too, and imported as a VAE it would
    /// train its KL term on the aux head. So the unread head's output name decides; one named as a standard deviation or
    /// its log (log σ is not log σ², which the engine's sampling reads) is refused by name. One dense layer of 2L units,
    /// the mean's then the log-variance's, followed by the engine's gaussian_sampling layer computes the same: both heads,
    /// and the mean at inference. Returns the mean's tensor, where the chain goes on, or null for any other fork (the
    /// caller's branch refusal then applies).
    /// </summary>
    private string? TryAddGaussianHeads(string x, List<OnnxNode> readers)
    {
        if (readers.Count != 2 || readers.Any(n => n.OpType != "Gemm" || n.Inputs[0] != x)) return null;
        var ends = readers.Where(n => !_consumers.ContainsKey(n.Outputs[0]) && _consumerIndex.IsGraphOutput(n.Outputs[0])).ToList();
        if (ends.Count != 1) return null;
        OnnxNode logVarianceHead = ends[0], meanHead = readers.Single(n => n != logVarianceHead);
        if (!_consumers.ContainsKey(meanHead.Outputs[0]) || !_consumerIndex.IsGraphOutput(meanHead.Outputs[0])) return null;
        string spreadName = logVarianceHead.Outputs[0];
        if (!OnnxImportHints.NamesLogVariance(spreadName))
        {
            if (OnnxImportHints.NamesStandardDeviation(spreadName))
                throw new NotSupportedException($"{Describe(logVarianceHead)} gives '{spreadName}', which reads as a standard deviation or its log " +
                    "beside the mean the decoder reads: the engine's Gaussian latent takes the log-variance, log σ², and log σ is not log σ² " +
                    "(nor is σ). Export the log-variance instead (return 2 * log_std as 'logvar', naming the output with " +
                    "torch.onnx.export's output_names) to import it as a variational autoencoder.");
            return null;
        }
        var (meanWeights, latent, meanBias) = GemmAsDense(meanHead);
        var (logVarianceWeights, logVarianceUnits, logVarianceBias) = GemmAsDense(logVarianceHead);
        // Not one log-variance per mean: no Gaussian latent, so the fork is refused as the branch it is.
        if (logVarianceUnits != latent) return null;
        int inputs = _shape.Size, moments = 2 * latent;
        var weights = new float[inputs * moments];
        for (int i = 0; i < inputs; i++)
        {
            Array.Copy(meanWeights, i * latent, weights, i * moments, latent);
            Array.Copy(logVarianceWeights, i * latent, weights, i * moments + latent, latent);
        }
        string mean = meanHead.Outputs[0];
        AddDense(meanHead, weights, moments, [.. meanBias, .. logVarianceBias], $"{mean} ‖ {logVarianceHead.Outputs[0]}");
        return AddLayer(meanHead, new GaussianSamplingSpec(), [], mean);
    }
}
