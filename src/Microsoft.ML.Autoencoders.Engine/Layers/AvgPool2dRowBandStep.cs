namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>An average pooling (<see cref="AvgPool2d"/>) in a row band: image by image, each chunk of rows on its own.</summary>
internal sealed unsafe class AvgPool2dRowBandStep(AvgPool2d pool) : RowBandStep
{
    public override int LayerCount => 1;

    public override int OutputSize => pool.OutputSize;

    public override void Run(int part, float* x, float* y, int rows, bool sparseInput) => pool.PoolImages(x, y, rows);
}
