namespace Microsoft.ML.Autoencoders;

/// <summary>
/// What a refused ONNX operator usually is in the model its user wrote: exporters spell some modules as operators that
/// do not look like them (PyTorch's nn.GELU is an Erf among Mul/Add/Div, nn.Softsign an Abs, nn.SiLU a Sigmoid and a Mul
/// on one tensor), so the refusal names the module as well as the operator.
/// </summary>
internal static class OnnxImportHints
{
    private static readonly Dictionary<string, string> Modules = new(StringComparer.Ordinal)
    {
        ["Erf"] = "nn.GELU",
        ["Selu"] = "nn.SELU",
        ["Celu"] = "nn.CELU",
        ["Softsign"] = "nn.Softsign",
        ["Abs"] = "nn.Softsign, x / (1 + |x|)",
        ["HardSigmoid"] = "nn.Hardsigmoid",
        ["RNN"] = "nn.RNN",
        // Before opset 17 the exporter writes nn.LayerNorm as (x − mean) / √(mean((x − mean)²) + ε)·γ + β, which imports as
        // the engine's layer_norm when it is exactly that: a ReduceMean left over is another computation.
        ["ReduceMean"] = "x.mean(), or a normalization other than nn.LayerNorm's exact pattern",
        // A VAE whose reparameterization samples in eval mode too: its graph draws noise on every run.
        ["RandomNormalLike"] = "torch.randn_like, as in a VAE that samples z in eval mode too: return mu when not self.training",
        ["RandomNormal"] = "torch.randn",
    };

    /// <summary>" (Erf: nn.GELU; Abs: nn.Softsign, x / (1 + |x|))" for the operators in <paramref name="operators"/> with a known source, else "".</summary>
    public static string ModulesWriting(IEnumerable<string> operators)
    {
        var known = operators.Where(Modules.ContainsKey).Select(o => $"{o}: {Modules[o]}").ToList();
        return known.Count == 0 ? "" : $" ({string.Join("; ", known)})";
    }

    /// <summary>
    /// The sentence a refused fork of one tensor into these operators adds, when the fork looks like an activation as
    /// PyTorch exports it (x·tanh(softplus(x)) is nn.Mish, which the engine has not), or null when it is a real branch.
    /// nn.SiLU and nn.GELU import when the fork is exactly as PyTorch writes them; one that reached here differs.
    /// </summary>
    public static string? ActivationWrittenAsAFork(IReadOnlyCollection<string> consumers)
    {
        if (consumers.Count != 2 || !consumers.Contains("Mul")) return null;
        if (consumers.Contains("Softplus")) return " This fork is how the exporter writes x·tanh(softplus(x)), nn.Mish, which the engine has no activation for.";
        if (consumers.Contains("Sigmoid"))
            return " This fork looks like x·sigmoid(x), nn.SiLU, which imports only as PyTorch writes it: Mul(x, Sigmoid(x)) with nothing else reading the sigmoid.";
        if (consumers.Contains("Div"))
            return " This fork looks like x·(1 + erf(x/√2))/2, nn.GELU, which imports only as PyTorch writes it: Div, Erf, Add, Mul(x, ·), Mul by 0.5, each read by the next alone.";
        return null;
    }

    /// <summary>
    /// Whether a graph output's name says it is a log-variance, log σ² ("logvar", "log_var", "logvariance", "log_variance",
    /// any case, anywhere in the name): what tells a VAE's unread second head from another head of the same shape.
    /// </summary>
    public static bool NamesLogVariance(string outputName) =>
        outputName.Contains("logvar", StringComparison.OrdinalIgnoreCase) || outputName.Contains("log_var", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a graph output's name says it is a spread other than the log-variance: σ or log σ ("std", "sigma", "scale", any case).</summary>
    public static bool NamesStandardDeviation(string outputName) =>
        new[] { "std", "sigma", "scale" }.Any(word => outputName.Contains(word, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The advice for one tensor read by two dense layers, the shape of a variational encoder's mean and log-variance heads,
    /// when they are not the pair the importer takes as a Gaussian latent (OnnxNetworkImporter.Variational.cs); null for other forks.
    /// </summary>
    public static string? DenseHeads(IReadOnlyCollection<string> consumers) =>
        consumers.Count == 2 && consumers.All(o => o is "Gemm" or "MatMul")
            ? " Two dense layers reading one tensor is how a VAE's mean and log-variance heads look. The engine imports a VAE whose " +
              "forward() in eval mode returns (decoder(mean), mean, log-variance) with the log-variance head's own output read by " +
              "nothing else and named as one (its output name containing 'logvar' or 'log_var', as torch.onnx.export's output_names " +
              "sets it), as its variational autoencoder, the mean as the code; or one that returns only decoder(mean), whose " +
              "log-variance head PyTorch then leaves out, as a plain autoencoder. Any other second head is a branch."
            : null;
}
