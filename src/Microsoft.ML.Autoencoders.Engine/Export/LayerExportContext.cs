using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Export;

/// <summary>
/// What a layer is told when it writes itself to ONNX (<see cref="Layers.Layer.ExportOnnx"/>): the graph, the tensor
/// its input is in, the tensor it must write its output to, the per-row shapes, and a prefix (its name) for anything
/// else it adds, so two layers never collide.
/// </summary>
public sealed class LayerExportContext
{
    private readonly Dictionary<string, int> _nodesByOperator = new(StringComparer.Ordinal);

    /// <summary>Creates the context for one layer.</summary>
    public LayerExportContext(OnnxGraphWriter graph, string name, string input, string output, TensorShape inputShape, TensorShape outputShape)
    {
        Graph = graph ?? throw new ArgumentNullException(nameof(graph));
        Name = name;
        Input = input;
        Output = output;
        InputShape = inputShape;
        OutputShape = outputShape;
    }

    /// <summary>The graph being written.</summary>
    public OnnxGraphWriter Graph { get; }

    /// <summary>The layer's name: the prefix of its nodes and intermediate tensors.</summary>
    public string Name { get; }

    /// <summary>The tensor holding the layer's input.</summary>
    public string Input { get; }

    /// <summary>The tensor the layer must produce.</summary>
    public string Output { get; }

    /// <summary>The per-row input shape.</summary>
    public TensorShape InputShape { get; }

    /// <summary>The per-row output shape.</summary>
    public TensorShape OutputShape { get; }

    /// <summary>True when tensors carry a leading batch dimension.</summary>
    public bool Batched => Graph.Batched;

    /// <summary>The name for an intermediate tensor of this layer: "{Name}.{suffix}".</summary>
    public string Tensor(string suffix) => $"{Name}.{suffix}";

    /// <summary>Adds a node named "{Name}.{operator}" (with a counter from the second of the same operator on).</summary>
    public void AddNode(string operatorType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params IReadOnlyList<OnnxNodeAttribute> attributes)
    {
        int count = _nodesByOperator.TryGetValue(operatorType, out int n) ? n + 1 : 1;
        _nodesByOperator[operatorType] = count;
        string name = count == 1 ? $"{Name}.{operatorType}" : $"{Name}.{operatorType}.{count}";
        Graph.AddNode(operatorType, inputs, outputs, name, attributes);
    }
}
