using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

internal sealed partial class OnnxNetworkImporter
{
    /// <summary>
    /// A VAE's mean and log-variance heads as PyTorch exports a forward() returning (reconstruction, mu, logvar) in eval
    /// mode, z = mu: two Gemms reading the tensor <paramref name="x"/>, both graph outputs, one (the mean) carrying on into the
    /// decoder as well, the other (the log-variance) read by nothing else. Both being outputs is what tells the pair from a
    /// second head of another kind (a classifier beside the decoder's first layer, say). One dense layer of 2L units, the mean's then the
    /// log-variance's, followed by the engine's gaussian_sampling layer computes the same: both heads, and the mean at
    /// inference. Returns the mean's tensor, where the chain goes on, or null for any other fork.
    /// </summary>
    private string? TryAddGaussianHeads(string x, List<OnnxNode> readers)
    {
        if (readers.Count != 2 || readers.Any(n => n.OpType != "Gemm" || n.Inputs[0] != x)) return null;
        var ends = readers.Where(n => !_consumers.ContainsKey(n.Outputs[0]) && _consumerIndex.IsGraphOutput(n.Outputs[0])).ToList();
        if (ends.Count != 1) return null;
        OnnxNode logVarianceHead = ends[0], meanHead = readers.Single(n => n != logVarianceHead);
        if (!_consumers.ContainsKey(meanHead.Outputs[0]) || !_consumerIndex.IsGraphOutput(meanHead.Outputs[0])) return null;
        var (meanWeights, latent, meanBias) = GemmAsDense(meanHead);
        var (logVarianceWeights, logVarianceUnits, logVarianceBias) = GemmAsDense(logVarianceHead);
        if (logVarianceUnits != latent)
            throw new NotSupportedException($"{Describe(meanHead)} gives {latent} means but {Describe(logVarianceHead)} {logVarianceUnits} log-variances; " +
                "a Gaussian latent has one of each per dimension.");
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
