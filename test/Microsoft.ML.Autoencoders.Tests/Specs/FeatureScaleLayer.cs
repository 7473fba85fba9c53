using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// A layer kind the library does not have, defined here as a user would: y = x ⊙ s with a learned scale s per feature.
/// Its spec, its engine layer (forward, backward, tangents, ONNX) and one registration call are all it takes; nothing
/// in src/ knows it exists.
/// </summary>
[LayerKind(KindName)]
public sealed record FeatureScaleSpec : LayerSpec
{
    /// <summary>The name model files store for this kind.</summary>
    public const string KindName = "tests.feature_scale";

    /// <summary>Registers this assembly's kinds (idempotent), as an application would once at start-up.</summary>
    public static void Register() => LayerKinds.RegisterAssembly(typeof(FeatureScaleSpec).Assembly);

    public override TensorShape InferOutputShape(TensorShape input) => input;

    public override Layer Build(LayerBuildContext context) => new FeatureScaleLayer(context.InputShape.Size, context.Name);

    /// <summary>Its mirror in a decoder is another per-feature scale of the same width.</summary>
    public override LayerSpec Mirror(MirrorContext context) => new FeatureScaleSpec();
}

/// <summary>y = x ⊙ s, s [width] starting at 1.</summary>
public sealed class FeatureScaleLayer : Layer
{
    private readonly Parameter[] _parameters;

    public FeatureScaleLayer(int width, string name)
    {
        Width = width;
        Scale = new Parameter(name + ".scale", width); // a weight (the default role): weight penalties reach it
        _parameters = [Scale];
    }

    public int Width { get; }

    public Parameter Scale { get; }

    public override int InputSize => Width;

    public override int OutputSize => Width;

    public override IReadOnlyList<Parameter> Parameters => _parameters;

    public override void Initialize(SeededRandom random) => Scale.Values.Fill(1f);

    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        ReadOnlySpan<float> s = Scale.Values;
        for (int r = 0; r < batch; r++)
            for (int j = 0; j < Width; j++) y[r * Width + j] = x[r * Width + j] * s[j];
    }

    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        ReadOnlySpan<float> s = Scale.Values;
        Span<float> ds = Scale.Gradients;
        for (int r = 0; r < batch; r++)
        {
            for (int j = 0; j < Width; j++)
            {
                int i = r * Width + j;
                ds[j] += dy[i] * x[i];
                if (!dx.IsEmpty) dx[i] += dy[i] * s[j];
            }
        }
    }

    public override void ExportOnnx(LayerExportContext context)
    {
        context.Graph.AddInitializer(Scale);
        context.AddNode("Mul", [context.Input, Scale.Name], [context.Output]);
    }

    public override void PushTangent(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, Span<float> tangentOut, int batch, in LayerContext context) =>
        Forward(tangentIn, tangentOut, Span<float>.Empty, batch, context);

    public override void PullTangentGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, ReadOnlySpan<float> tangentOutGradient, Span<float> tangentInGradient, Span<float> outputGradient,
        int batch, in LayerContext context)
    {
        ReadOnlySpan<float> s = Scale.Values;
        Span<float> ds = Scale.Gradients;
        for (int r = 0; r < batch; r++)
        {
            for (int j = 0; j < Width; j++)
            {
                int i = r * Width + j;
                ds[j] += tangentOutGradient[i] * tangentIn[i];
                if (!tangentInGradient.IsEmpty) tangentInGradient[i] = tangentOutGradient[i] * s[j];
            }
        }
    }
}
