namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>A GELU or SiLU (<see cref="SelfGatedActivationLayer"/>) in a row band: element-wise, so each chunk of rows on its own.</summary>
internal sealed unsafe class SelfGatedActivationRowBandStep(SelfGatedActivationLayer activation) : RowBandStep
{
    public override int LayerCount => 1;

    public override int OutputSize => activation.OutputSize;

    public override void Run(int part, float* x, float* y, int rows, bool sparseInput) =>
        activation.Apply(new ReadOnlySpan<float>(x, rows * activation.InputSize), new Span<float>(y, rows * activation.OutputSize));
}
