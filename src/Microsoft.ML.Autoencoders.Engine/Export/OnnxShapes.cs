namespace Microsoft.ML.Autoencoders.Engine.Export;

/// <summary>
/// Between layers an exported graph holds rows flat ([N, size], or [size] for one row); a layer that works on images or
/// sequences reshapes its input to [N, C, H, W] or [N, C, L] and its output back with these.
/// </summary>
public static class OnnxShapes
{
    /// <summary>Reshapes the layer's input to [N, C, H, W] (N = 1 for a single flat row) and returns the new tensor's name.</summary>
    public static string ToImage(LayerExportContext context, int channels, int height, int width)
    {
        string shape = context.Tensor("image_shape"), image = context.Tensor("image");
        context.Graph.AddInt64Initializer(shape, [4], [-1, channels, height, width]);
        context.AddNode("Reshape", [context.Input, shape], [image]);
        return image;
    }

    /// <summary>
    /// Reshapes <paramref name="tensor"/> to <paramref name="shape"/> (−1 for the batch, or any other one axis, as ONNX's
    /// Reshape reads it) into a new tensor "{layer}.{suffix}" and returns its name: a row read as a sequence [N, C, L], or a
    /// weight read with fewer axes than it is stored with.
    /// </summary>
    public static string Reshaped(LayerExportContext context, string tensor, string suffix, params long[] shape)
    {
        string shapeName = context.Tensor(suffix + "_shape"), reshaped = context.Tensor(suffix);
        context.Graph.AddInt64Initializer(shapeName, [shape.Length], shape);
        context.AddNode("Reshape", [tensor, shapeName], [reshaped]);
        return reshaped;
    }

    /// <summary>Reshapes <paramref name="image"/> back to flat rows of <paramref name="size"/> values into the layer's output.</summary>
    public static void ToRows(LayerExportContext context, string image, int size)
    {
        string shape = context.Tensor("rows_shape");
        if (context.Batched) context.Graph.AddInt64Initializer(shape, [2], [-1, size]);
        else context.Graph.AddInt64Initializer(shape, [1], [size]);
        context.AddNode("Reshape", [image, shape], [context.Output]);
    }
}
