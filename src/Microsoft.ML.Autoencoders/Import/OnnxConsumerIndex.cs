using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Which nodes read each computed tensor of a graph, built once and shared by the importer's chain walk and the search for
/// PyTorch's activation forks (<see cref="OnnxSelfGatedActivations"/>), so both agree on what "the only reader" of a
/// tensor is. Constants (initializers and Constant nodes' outputs) are left out: reading a weight is no fork.
/// </summary>
internal sealed class OnnxConsumerIndex
{
    private readonly Dictionary<string, List<OnnxNode>> _readers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _constants;
    private readonly HashSet<string> _outputs;

    /// <summary>Indexes the readers of every tensor of <paramref name="graph"/> that is no constant.</summary>
    public OnnxConsumerIndex(OnnxModelReader graph)
    {
        _constants = new HashSet<string>(graph.InitializerNames, StringComparer.Ordinal);
        foreach (var node in graph.Nodes.Where(n => n.OpType == "Constant")) _constants.UnionWith(node.Outputs);
        _outputs = new HashSet<string>(graph.Outputs.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var node in graph.Nodes.Where(n => n.OpType != "Constant"))
            // A node reading a tensor twice (Mul(x, x)) is listed twice: to the chain walk that is two uses of it.
            foreach (var name in node.Inputs.Where(n => n.Length > 0 && !_constants.Contains(n)))
            {
                if (!_readers.TryGetValue(name, out var list)) _readers[name] = list = [];
                list.Add(node);
            }
    }

    /// <summary>The readers of each tensor that has any, in graph order.</summary>
    public IReadOnlyDictionary<string, List<OnnxNode>> Readers => _readers;

    /// <summary>Whether <paramref name="tensor"/> is an initializer or a Constant node's output.</summary>
    public bool IsConstant(string tensor) => _constants.Contains(tensor);

    /// <summary>Whether <paramref name="tensor"/> is one of the graph's outputs.</summary>
    public bool IsGraphOutput(string tensor) => _outputs.Contains(tensor);

    /// <summary>Whether another node or the graph's outputs read <paramref name="tensor"/>.</summary>
    public bool IsRead(string tensor) => _readers.ContainsKey(tensor) || IsGraphOutput(tensor);

    /// <summary>The one node that reads <paramref name="tensor"/>, or null when none or several do (or it is a graph output too).</summary>
    public OnnxNode? SoleReader(string tensor) =>
        _readers.GetValueOrDefault(tensor) is [var only] && !IsGraphOutput(tensor) ? only : null;
}
