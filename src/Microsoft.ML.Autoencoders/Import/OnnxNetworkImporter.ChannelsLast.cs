using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Channels-last rows, as Keras keeps images ([N, H, W, C]) and series ([N, L, C]): tf2onnx writes Transpose(perm 0, 3, 1, 2)
/// in front of the first Conv and Transpose(perm 0, 2, 3, 1) after the last layer (and before a Reshape where Keras
/// flattens an NHWC tensor); PyTorch writes the same for x.permute(0, 3, 1, 2), and Transpose(perm 0, 2, 1) for a series
/// into Conv1d.
/// </summary>
/// <remarks>
/// Per row, [H, W, C] → [C, H, W] is the matrix transpose of [H·W, C], so the move is built from the engine's own layers: a
/// reshape to the matrix, a <see cref="TransposeSpec"/>, a reshape to the image. A layer of its own would compute nothing
/// more; these three already train, save, export (Identity, Reshape → Transpose(0, 2, 1) → Reshape, which ONNX Runtime
/// runs) and import back (that Transpose is the series rule below), and need no new layer kind in saved models.
/// </remarks>
internal sealed partial class OnnxNetworkImporter
{
    /// <summary>A Transpose on the chain: the time-major view an LSTM or GRU reads, or a move of the channels.</summary>
    private string AddTranspose(OnnxNode node)
    {
        long[]? perm = node.TryGetAttribute("perm", out var attribute) ? attribute.GetInts() : null;
        if (perm is [1, 0, 2]) return AddRecurrent(node);
        if (_batchAxis && _shape.Rank == 2 && perm is [0, 2, 1])
            return AddLayer(node, new TransposeSpec(), []); // [L, C] ↔ [C, L]
        if (_batchAxis && _shape.Rank == 3 && perm is [0, 3, 1, 2] or [0, 2, 3, 1])
        {
            // [H, W, C] → [C, H, W] transposes [H·W, C]; [C, H, W] → [H, W, C] transposes [C, H·W].
            bool toChannelsFirst = perm[1] == 3;
            var (a, b, c) = (_shape[0], _shape[1], _shape[2]);
            TensorShape matrix = toChannelsFirst ? new([a * b, c]) : new([a, b * c]);
            TensorShape image = toChannelsFirst ? new([c, a, b]) : new([b, c, a]);
            string y = node.Outputs[0];
            string rows = AddLayer(node, new ReshapeSpec(matrix), [], y + "#matrix");
            string transposed = AddLayer(node, new TransposeSpec(), [], y + "#transposed");
            // The two inside tensors are not the graph's: neither can be named as the code.
            _layerOfTensor.Remove(rows);
            _layerOfTensor.Remove(transposed);
            return AddLayer(node, new ReshapeSpec(image), [], y);
        }
        string shown = perm is null ? "none (reversed axes)" : $"[{string.Join(", ", perm)}]";
        throw new NotSupportedException(
            $"{Describe(node)}: perm {shown} of rows [N, {string.Join(", ", _shape.Dimensions)}] has no engine layer. The engine takes a Transpose " +
            "as a move of the channels (perm [0, 3, 1, 2] of images [N, H, W, C], perm [0, 2, 3, 1] of [N, C, H, W], perm [0, 2, 1] of series " +
            "[N, L, C] or [N, C, L]) or as the time-major view (perm [1, 0, 2] of windows [N, T, F]) that an nn.LSTM or nn.GRU with " +
            "batch_first=True reads. The graph can still be scored as it is with mlContext.Transforms.OnnxAutoencoder (ONNX Runtime).");
    }
}
