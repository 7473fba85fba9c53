namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>An activation on its own in a row band (one that no dense layer took into its epilogue).</summary>
internal sealed unsafe class ActivationRowBandStep(ActivationLayer activation) : RowBandStep
{
    public override int LayerCount => 1;

    public override int OutputSize => activation.OutputSize;

    public override void Run(int part, float* x, float* y, int rows, bool sparseInput) =>
        activation.Apply(new ReadOnlySpan<float>(x, rows * activation.InputSize), new Span<float>(y, rows * activation.OutputSize));
}
