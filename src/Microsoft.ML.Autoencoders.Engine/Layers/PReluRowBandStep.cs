namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>A prelu in a row band: each chunk of rows on its own, as its forward pass computes them (<see cref="PRelu.ApplyRows"/>).</summary>
internal sealed unsafe class PReluRowBandStep(PRelu layer) : RowBandStep
{
    public override int LayerCount => 1;

    public override int OutputSize => layer.OutputSize;

    public override void Run(int part, float* x, float* y, int rows, bool sparseInput) => layer.ApplyRows(x, y, rows);
}
