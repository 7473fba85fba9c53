using Google.Protobuf;
using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Onnx.Protos;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// Graphs shaped almost like PyTorch's SiLU and GELU forks (<see cref="OnnxSelfGatedActivations"/>) that are other
/// functions: each must be refused with the importer's NotSupportedException naming the operator, never imported as the
/// activation and never escaping as another exception from the pattern search.
/// </summary>
public sealed class SelfGatedForkLookalikeTests
{
    [Fact]
    public void GeluForkWhoseAddReadsErfTwiceIsRefusedByName()
    {
        // x·(erf(x/√2) + erf(x/√2))·0.5: the Add has no constant operand for the pattern's 1.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, 4]).AddOutput("y", [-1, 4]);
        Dense(g, "input", "h", 4, 2);
        g.AddInitializer("c1", [], [MathF.Sqrt(2)]).AddInitializer("c3", [], [0.5f]);
        g.AddNode("Div", ["h", "c1"], ["scaled"]).AddNode("Erf", ["scaled"], ["erf"]).AddNode("Add", ["erf", "erf"], ["gate"])
            .AddNode("Mul", ["h", "gate"], ["gated"]).AddNode("Mul", ["gated", "c3"], ["code"]);
        Dense(g, "code", "y", 2, 4);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("no layer for: Erf", e.Message);
    }

    [Fact]
    public void GeluForkWhoseLastMulSquaresIsRefusedByName()
    {
        // (x·(1 + erf(x/√2)))²: the last Mul has no constant operand for the pattern's 0.5.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, 4]).AddOutput("y", [-1, 4]);
        Dense(g, "input", "h", 4, 2);
        g.AddInitializer("c1", [], [MathF.Sqrt(2)]).AddInitializer("c2", [], [1f]);
        g.AddNode("Div", ["h", "c1"], ["scaled"]).AddNode("Erf", ["scaled"], ["erf"]).AddNode("Add", ["erf", "c2"], ["gate"])
            .AddNode("Mul", ["h", "gate"], ["gated"]).AddNode("Mul", ["gated", "gated"], ["code"]);
        Dense(g, "code", "y", 2, 4);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("no layer for: Erf", e.Message);
    }

    [Fact]
    public void SiluForkWhoseSigmoidIsOfAnotherDomainIsRefusedByName()
    {
        // h·s(h) where s is com.microsoft's Sigmoid: the custom domain may define it as anything, so this is no nn.SiLU.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, 4]).AddOutput("y", [-1, 4]);
        Dense(g, "input", "h", 4, 2);
        g.AddNode("Sigmoid", ["h"], ["gate"], name: "custom").AddNode("Mul", ["h", "gate"], ["code"]);
        Dense(g, "code", "y", 2, 4);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(InCustomDomain(g, "custom")));

        Assert.Contains("no layer for: com.microsoft.Sigmoid", e.Message);
    }

    [Fact]
    public void GeluForkWhoseDivIsOfAnotherDomainIsRefusedByName()
    {
        // The GELU pattern with com.microsoft's Div first: only ai.onnx's Div divides.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [-1, 4]).AddOutput("y", [-1, 4]);
        Dense(g, "input", "h", 4, 2);
        g.AddInitializer("c1", [], [MathF.Sqrt(2)]).AddInitializer("c2", [], [1f]).AddInitializer("c3", [], [0.5f]);
        g.AddNode("Div", ["h", "c1"], ["scaled"], name: "custom").AddNode("Erf", ["scaled"], ["erf"]).AddNode("Add", ["erf", "c2"], ["gate"])
            .AddNode("Mul", ["h", "gate"], ["gated"]).AddNode("Mul", ["gated", "c3"], ["code"]);
        Dense(g, "code", "y", 2, 4);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(InCustomDomain(g, "custom")));

        Assert.Contains("no layer for: com.microsoft.Div", e.Message);
    }

    /// <summary>The builder's graph with node <paramref name="nodeName"/> moved to the com.microsoft domain (the builder writes ai.onnx only).</summary>
    private static byte[] InCustomDomain(OnnxModelBuilder g, string nodeName)
    {
        var model = ModelProto.Parser.ParseFrom(g.ToByteArray());
        model.Graph.Node.Single(n => n.Name == nodeName).Domain = "com.microsoft";
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        return model.ToByteArray();
    }

    /// <summary>y = x·Wᵀ + b as PyTorch's nn.Linear exports it (Gemm, transB).</summary>
    private static void Dense(OnnxModelBuilder g, string x, string y, int inputs, int units)
    {
        g.AddInitializer($"{y}_w", [units, inputs], [.. Enumerable.Range(0, units * inputs).Select(i => 0.1f * ((i % 5) - 2))]);
        g.AddInitializer($"{y}_b", [units], [.. Enumerable.Range(0, units).Select(i => 0.01f * i)]);
        g.AddNode("Gemm", [x, $"{y}_w", $"{y}_b"], [y], attributes: [OnnxAttribute.FromInt("transB", 1)]);
    }
}
