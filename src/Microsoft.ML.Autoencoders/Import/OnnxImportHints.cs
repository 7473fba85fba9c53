namespace Microsoft.ML.Autoencoders;

/// <summary>
/// What a refused ONNX operator usually is in the model its user wrote: exporters spell some modules as operators that
/// do not look like them (PyTorch's nn.GELU is an Erf among Mul/Add/Div, nn.ReLU6 a Clip, nn.SiLU a Sigmoid and a Mul on
/// one tensor), so the refusal names the module as well as the operator.
/// </summary>
internal static class OnnxImportHints
{
    private static readonly Dictionary<string, string> Modules = new(StringComparer.Ordinal)
    {
        ["Erf"] = "nn.GELU",
        ["Clip"] = "nn.ReLU6 or nn.Hardtanh",
        ["PRelu"] = "nn.PReLU",
        ["Selu"] = "nn.SELU",
        ["Celu"] = "nn.CELU",
        ["Softsign"] = "nn.Softsign",
        ["Abs"] = "nn.Softsign, x / (1 + |x|)",
        ["HardSigmoid"] = "nn.Hardsigmoid",
        ["AveragePool"] = "nn.AvgPool2d",
        ["Pad"] = "padding written as its own node (nn.AvgPool2d, F.pad)",
        ["RNN"] = "nn.RNN",
    };

    /// <summary>" (Erf: nn.GELU; Clip: nn.ReLU6 or nn.Hardtanh)" for the operators in <paramref name="operators"/> with a known source, else "".</summary>
    public static string ModulesWriting(IEnumerable<string> operators)
    {
        var known = operators.Where(Modules.ContainsKey).Select(o => $"{o}: {Modules[o]}").ToList();
        return known.Count == 0 ? "" : $" ({string.Join("; ", known)})";
    }

    /// <summary>
    /// The activation a fork of one tensor into these operators computes, as PyTorch exports it (x·σ(x) is nn.SiLU,
    /// x·tanh(softplus(x)) nn.Mish), or null when the fork is a real branch.
    /// </summary>
    public static string? ActivationWrittenAsAFork(IReadOnlyCollection<string> consumers)
    {
        if (consumers.Count != 2 || !consumers.Contains("Mul")) return null;
        if (consumers.Contains("Sigmoid")) return "x·sigmoid(x), nn.SiLU (Swish)";
        if (consumers.Contains("Softplus")) return "x·tanh(softplus(x)), nn.Mish";
        if (consumers.Contains("Div")) return "x·(1 + erf(x/√2))/2, nn.GELU";
        return null;
    }

    /// <summary>
    /// The advice for one tensor read by two dense layers, the shape of a variational encoder's mean and log-variance heads
    /// exported with both as outputs; null for other forks.
    /// </summary>
    public static string? DenseHeads(IReadOnlyCollection<string> consumers) =>
        consumers.Count == 2 && consumers.All(o => o is "Gemm" or "MatMul")
            ? " Two dense layers reading one tensor is how a VAE's mean and log-variance heads look: export a forward() that " +
              "returns only decoder(mean) in eval mode, whose log-variance head PyTorch then leaves out, and the engine imports it " +
              "with the mean as the code."
            : null;
}
