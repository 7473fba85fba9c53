using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Sequence autoencoders over windows [T, N, F], the layout nn.LSTM and nn.GRU read by default (batch_first=False): the
/// recurrent node reads the graph's input as it comes, with no Transpose in front of it. Each window is the same T·F values
/// in either layout, so the engine's batch-first layers compute the same per window: the importer reads the batch as the
/// second axis of every sequence tensor ([T, N, F]) and the first of every flat one (the code [N, W]). The engine's network
/// then takes and gives each window batch-first, [T, F] per row, as it does for every sequence model; its export is
/// batch-first too.
/// </summary>
internal sealed partial class OnnxNetworkImporter
{
    /// <summary>Whether the chain's sequences are time-major, [T, N, F] (see the class remarks).</summary>
    private readonly bool _timeMajor;

    /// <summary>Whether <paramref name="input"/> is windows [T, N, F] read as they come by an LSTM or GRU node.</summary>
    private static bool ReadsTimeMajorWindows(OnnxConsumerIndex consumers, string input, int[] dims) =>
        dims is [> 0, not 0, > 0]
        && consumers.Readers.GetValueOrDefault(input)?.Where(n => n.OpType != "Shape").ToList() is [{ OpType: "LSTM" or "GRU" } cell]
        && cell.Inputs[0] == input;

    /// <summary>The chain's tensor with its batch (<see cref="OnnxShapeFolding.Batch"/>) where the graph has it.</summary>
    private long[] ChainFullShape
    {
        get
        {
            long[] row = [.. ChainShape.Dimensions.Select(d => (long)d)];
            if (!_batchAxis) return row;
            // Time-major, a sequence [T, F] (or the code with its step axis, [1, W]) is [T, N, F]; a flat row is [N, W].
            return _timeMajor && row.Length == 2 ? [row[0], OnnxShapeFolding.Batch, row[1]] : [OnnxShapeFolding.Batch, .. row];
        }
    }

    /// <summary>What a Shape node reading the chain's tensor gives.</summary>
    private void ReadChainShape(OnnxNode shape) => _shapes.ReadShape(shape, ChainFullShape);

    /// <summary>
    /// Refuses a node that would read time-major steps as if the batch came first: of the engine's layers only the recurrent
    /// ones, a dense layer on every step (MatMul and its bias), activations, the last step and the repeat of the code compute
    /// the same whichever axis holds the batch.
    /// </summary>
    private void RequireBatchFirstOrRecurrent(OnnxNode node)
    {
        if (!_timeMajor || ChainShape.Rank != 2) return;
        if (node.OpType is "LSTM" or "GRU" or "MatMul" or "Add" or "Sub" or "Relu" or "Sigmoid" or "Tanh" or "LeakyRelu" or "PRelu" or "Elu" or "Softplus"
            or "Clip" or "Gelu" or "Identity" or "Dropout" or "Gather" or "Tile" or "Expand")
            return;
        throw new NotSupportedException($"{Describe(node)} reads time-major windows [T, N, F] (an nn.LSTM or nn.GRU with batch_first=False); the engine " +
            "imports such a graph as recurrent layers, an nn.Linear on every step, activations and the repeat of the code, whose results do not " +
            "depend on where the batch is. Export the modules with batch_first=True, or score the graph as it is with " +
            "mlContext.Transforms.OnnxAutoencoder (ONNX Runtime).");
    }

    private static string Shown(long[] shape) =>
        string.Join(", ", shape.Select(d => d == OnnxShapeFolding.Batch ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
