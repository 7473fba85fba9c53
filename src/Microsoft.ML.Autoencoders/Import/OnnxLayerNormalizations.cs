using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Finds nn.LayerNorm as PyTorch exports it before opset 17, a fork of the normalized tensor x whose uses rejoin:
/// d = Sub(x, ReduceMean(x)); Div(d, Sqrt(Add(ReduceMean(Pow(d, 2)), ε))), then Mul by γ and Add of β when the module is
/// affine. Only this exact shape matches: every inner tensor has the one reader the pattern gives it (d its two) and is no
/// graph output, so nothing else can see the fork; the exponent, ε, the axes and γ and β are checked when the chain reaches
/// the pattern, where their values are known. Anything else stays a branch, or an operator the engine lacks, and is refused.
/// </summary>
internal static class OnnxLayerNormalizations
{
    /// <summary>
    /// One occurrence: the tensor it normalizes and the tensor it gives, its nodes (the two means first), the exponent and ε
    /// tensors, and γ and β (null when the pattern ends before the Mul or the Add).
    /// </summary>
    public sealed record Match(string Input, string Output, IReadOnlyList<OnnxNode> Nodes, OnnxNode Mean, OnnxNode Variance,
        string Exponent, string Epsilon, string? Scale, string? Shift);

    /// <summary>Every occurrence in <paramref name="graph"/>, whose readers <paramref name="consumers"/> indexes, by the tensor it reads.</summary>
    public static Dictionary<string, Match> Find(OnnxModelReader graph, OnnxConsumerIndex consumers)
    {
        // PyTorch reads a weight shared by two modules (two fresh norms' equal γ) through an Identity of the initializer.
        var aliases = graph.Nodes.Where(n => n.OpType == "Identity" && n.Inputs.Count == 1 && consumers.IsConstant(n.Inputs[0]))
            .ToDictionary(n => n.Outputs[0], n => n.Inputs[0], StringComparer.Ordinal);
        bool IsWeight(string t) => consumers.IsConstant(t) || aliases.ContainsKey(t);
        OnnxNode? OnlyReader(string t, string opType) =>
            consumers.SoleReader(t) is { } r && r.OpType == opType && r.Domain is "" or "ai.onnx" ? r : null;
        // The input of a two-input node other than t, when that one is a weight or constant.
        string? OtherWeight(OnnxNode node, string t) =>
            node.Inputs.Count == 2 && node.Inputs.Contains(t) && node.Inputs.FirstOrDefault(i => i != t) is { } c && IsWeight(c) ? c : null;

        var found = new Dictionary<string, Match>(StringComparer.Ordinal);
        foreach (var (x, readers) in consumers.Readers)
        {
            var fork = readers.Where(n => n.OpType != "Shape").ToList();
            if (fork.Count != 2) continue;
            var mean = fork.FirstOrDefault(n => n.OpType == "ReduceMean" && n.Inputs.Count >= 1 && n.Inputs[0] == x);
            if (mean is null || OnlyReader(mean.Outputs[0], "Sub") is not { } sub || !fork.Contains(sub)) continue;
            if (sub.Inputs.Count != 2 || sub.Inputs[0] != x || sub.Inputs[1] != mean.Outputs[0]) continue;
            string centred = sub.Outputs[0];
            if (consumers.IsGraphOutput(centred) || consumers.Readers.GetValueOrDefault(centred) is not [_, _] uses) continue;
            var pow = uses.FirstOrDefault(n => n.OpType == "Pow" && n.Inputs.Count == 2 && n.Inputs[0] == centred && consumers.IsConstant(n.Inputs[1]));
            var div = uses.FirstOrDefault(n => n.OpType == "Div" && n.Inputs.Count == 2 && n.Inputs[0] == centred);
            if (pow is null || div is null) continue;
            if (OnlyReader(pow.Outputs[0], "ReduceMean") is not { } variance || variance.Inputs[0] != pow.Outputs[0]) continue;
            if (OnlyReader(variance.Outputs[0], "Add") is not { } add || OtherWeight(add, variance.Outputs[0]) is not { } epsilon || !consumers.IsConstant(epsilon)) continue;
            if (OnlyReader(add.Outputs[0], "Sqrt") is not { } sqrt || OnlyReader(sqrt.Outputs[0], "Div") != div || div.Inputs[1] != sqrt.Outputs[0]) continue;
            List<OnnxNode> nodes = [mean, variance, sub, pow, add, sqrt, div];
            string output = div.Outputs[0];
            string? scale = null, shift = null;
            if (OnlyReader(output, "Mul") is { } mul && OtherWeight(mul, output) is { } gamma)
            {
                nodes.Add(mul);
                (scale, output) = (gamma, mul.Outputs[0]);
            }
            if (OnlyReader(output, "Add") is { } addShift && OtherWeight(addShift, output) is { } beta)
            {
                nodes.Add(addShift);
                (shift, output) = (beta, addShift.Outputs[0]);
            }
            found[x] = new Match(x, output, nodes, mean, variance, pow.Inputs[1], epsilon, scale, shift);
        }
        return found;
    }
}
