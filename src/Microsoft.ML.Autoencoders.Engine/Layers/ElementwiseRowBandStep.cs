namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// An element-wise layer on its own in a row band (an activation no dense layer took into its epilogue, a GELU or SiLU):
/// each chunk of rows on its own.
/// </summary>
internal sealed unsafe class ElementwiseRowBandStep(ElementwiseLayer layer) : RowBandStep
{
    public override int LayerCount => 1;

    public override int OutputSize => layer.OutputSize;

    public override void Run(int part, float* x, float* y, int rows, bool sparseInput) =>
        layer.Apply(new ReadOnlySpan<float>(x, rows * layer.InputSize), new Span<float>(y, rows * layer.OutputSize));
}
