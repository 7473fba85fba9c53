using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// One <see cref="Dense"/> layer applied to every time step of rows [T, F], giving [T, F']: y_t = x_t·W + b with the same W
/// and b at every step (Keras' TimeDistributed(Dense)). A batch of rows [T, F] is, in memory, a batch of T times as many
/// rows [F], so every pass is the dense layer's own on batch·T rows — its GEMMs, its fused activations, its gradients.
/// </summary>
public sealed class TimeDistributedDense : Layer
{
    /// <summary>Creates the layer; its parameters are the step layer's, named <paramref name="name"/>.weight and .bias.</summary>
    public TimeDistributedDense(int steps, int inputFeatures, int outputFeatures, WeightInitialization initialization, string name = "time_distributed_dense")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        Steps = steps;
        Step = new Dense(inputFeatures, outputFeatures, initialization, name);
    }

    /// <summary>T, the time steps of a row.</summary>
    public int Steps { get; }

    /// <summary>The dense layer every step goes through ([F] → [F']).</summary>
    public Dense Step { get; }

    /// <inheritdoc/>
    public override int InputSize => Steps * Step.InputSize;

    /// <inheritdoc/>
    public override int OutputSize => Steps * Step.OutputSize;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => Step.Parameters;

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <inheritdoc/>
    internal override bool CanOverwriteParameterGradients => true;

    /// <summary>The step layer's initialization, with fans F and F' as Keras' TimeDistributed(Dense) has.</summary>
    public override void Initialize(SeededRandom random) => Step.Initialize(random);

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context) =>
        Step.Forward(x, y, scratch, batch * Steps, context);

    /// <inheritdoc/>
    internal override bool TryForwardActivated(ReadOnlySpan<float> x, Span<float> z, Span<float> y, Span<float> scratch, Layer next, int batch, in LayerContext context) =>
        Step.TryForwardActivated(x, z, y, scratch, next, batch * Steps, context);

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context) =>
        Step.Backward(x, y, dy, dx, scratch, batch * Steps, context);

    /// <inheritdoc/>
    internal override bool TryBackwardThroughActivation(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dz, Layer below, int batch, in LayerContext context) =>
        Step.TryBackwardThroughActivation(x, dy, dz, below, batch * Steps, context);

    /// <summary>
    /// The rows as steps [N, T, F], the step layer's MatMul (which ONNX broadcasts over the steps) and Add, and back to flat
    /// rows: nn.Linear over a sequence as PyTorch writes it, so the engine's own import reads it back as this layer. (One
    /// step per row, [N·T, F], computes the same but moves steps into the batch axis, which no importer of rows can follow.)
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        string steps = OnnxShapes.Reshaped(context, context.Input, "steps", -1, Steps, Step.InputSize), stepOutput = context.Tensor("step_output");
        Step.ExportOnnx(new LayerExportContext(context.Graph, context.Name + ".step", steps, stepOutput,
            new TensorShape([Steps, Step.InputSize]), new TensorShape([Steps, Step.OutputSize])));
        OnnxShapes.ToRows(context, stepOutput, OutputSize);
    }
}
