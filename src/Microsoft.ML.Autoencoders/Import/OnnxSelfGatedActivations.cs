using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Finds the two activations PyTorch exports as a fork of one tensor whose two uses rejoin: nn.SiLU as
/// Mul(x, Sigmoid(x)), and nn.GELU() (before opset 20, which torch 1.13 cannot write) as
/// Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5). Only these exact shapes match: every inner tensor has the one reader the
/// pattern gives it and is no graph output, so nothing else can see the fork; the constants (√2, 1, 0.5) are checked
/// when the chain reaches the pattern, where their values are known, and anything else stays a branch that is refused.
/// </summary>
internal static class OnnxSelfGatedActivations
{
    /// <summary>One occurrence: the activation, the tensor it reads, the tensor it gives, its nodes, and its constants with the values they must hold.</summary>
    public sealed record Match(Activation Kind, string Input, string Output, IReadOnlyList<OnnxNode> Nodes, IReadOnlyList<(string Tensor, float Value)> Constants);

    /// <summary>Every occurrence in the graph whose readers <paramref name="consumers"/> indexes, by the tensor it reads.</summary>
    public static Dictionary<string, Match> Find(OnnxConsumerIndex consumers)
    {
        // The one node reading tensor t, when t is read by nothing else and is no graph output (an inner tensor).
        OnnxNode? OnlyReader(string t, string opType) =>
            consumers.SoleReader(t) is { } r && r.OpType == opType && IsDefaultDomain(r) ? r : null;
        // The input of a two-input node other than t, when that one is a constant. A node reading t twice (Add(erf, erf))
        // has no other input: no match, so the importer refuses it by name rather than a bare "no matching element".
        string? OtherConstant(OnnxNode node, string t) =>
            node.Inputs.Count == 2 && node.Inputs.Contains(t) && node.Inputs.FirstOrDefault(i => i != t) is { } c && consumers.IsConstant(c) ? c : null;
        // The fork's first node is an ai.onnx operator too: a custom domain's Sigmoid or Div may compute anything.
        static bool IsDefaultDomain(OnnxNode node) => node.Domain is "" or "ai.onnx";

        var found = new Dictionary<string, Match>(StringComparer.Ordinal);
        foreach (var (x, nodes) in consumers.Readers)
        {
            var fork = nodes.Where(n => n.OpType != "Shape").ToList();
            if (fork.Count != 2) continue;
            if ((TrySilu(x, fork) ?? TryGelu(x, fork)) is { } match) found[x] = match;
        }
        return found;

        Match? TrySilu(string x, List<OnnxNode> fork)
        {
            var sigmoid = fork.FirstOrDefault(n => n.OpType == "Sigmoid" && IsDefaultDomain(n) && n.Inputs.Count == 1 && n.Inputs[0] == x);
            if (sigmoid is null || OnlyReader(sigmoid.Outputs[0], "Mul") is not { } mul || !fork.Contains(mul)) return null;
            if (mul.Inputs.Count != 2 || !mul.Inputs.Contains(x) || !mul.Inputs.Contains(sigmoid.Outputs[0])) return null;
            return new Match(Activation.Silu, x, mul.Outputs[0], [sigmoid, mul], []);
        }

        Match? TryGelu(string x, List<OnnxNode> fork)
        {
            var div = fork.FirstOrDefault(n => n.OpType == "Div" && IsDefaultDomain(n) && n.Inputs.Count == 2 && n.Inputs[0] == x && consumers.IsConstant(n.Inputs[1]));
            if (div is null || OnlyReader(div.Outputs[0], "Erf") is not { } erf) return null;
            if (OnlyReader(erf.Outputs[0], "Add") is not { } add || OtherConstant(add, erf.Outputs[0]) is not { } one) return null;
            if (OnlyReader(add.Outputs[0], "Mul") is not { } gated || !fork.Contains(gated) || gated.Inputs.Count != 2 || !gated.Inputs.Contains(x)) return null;
            if (OnlyReader(gated.Outputs[0], "Mul") is not { } halve || OtherConstant(halve, gated.Outputs[0]) is not { } half) return null;
            return new Match(Activation.Gelu, x, halve.Outputs[0], [div, erf, add, gated, halve], [(div.Inputs[1], MathF.Sqrt(2)), (one, 1f), (half, 0.5f)]);
        }
    }
}
