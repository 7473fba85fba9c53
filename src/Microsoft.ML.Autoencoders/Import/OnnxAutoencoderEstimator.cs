using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Wraps an autoencoder made elsewhere, as an ONNX graph, for scoring in ML.NET. Nothing is trained: the graph is loaded
/// and checked when the estimator is made (so a wrong tensor name fails at once, listing the graph's names), and
/// <see cref="Fit"/> only checks the input column. Create it with <c>mlContext.Transforms.OnnxAutoencoder(...)</c>.
/// </summary>
public sealed class OnnxAutoencoderEstimator : IEstimator<OnnxAutoencoderTransformer>
{
    /// <summary>The defaults the options, the catalog methods and the docs share.</summary>
    public static class Defaults
    {
        /// <summary>ML.NET's conventional feature column.</summary>
        public const string InputColumnName = "Features";
        /// <summary>The code column.</summary>
        public const string EncodedColumnName = "Encoded";
        /// <summary>The reconstruction column.</summary>
        public const string ReconstructionColumnName = "Reconstruction";
        /// <summary>The per-row reconstruction error column.</summary>
        public const string ReconstructionErrorColumnName = "ReconstructionError";
    }

    private readonly OnnxAutoencoderModel _model;
    private readonly AutoencoderColumns _columns;

    /// <summary>Loads and checks the graph the options name; prefer the catalog method.</summary>
    public OnnxAutoencoderEstimator(OnnxAutoencoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if ((options.ModelPath is null) == (options.ModelBytes is null))
            throw new ArgumentException("Set exactly one of ModelPath and ModelBytes to the ONNX graph to import.", nameof(options));
        if (string.IsNullOrWhiteSpace(options.GraphInputName))
            throw new ArgumentException("GraphInputName must name the graph input that takes the rows.", nameof(options));
        if (string.IsNullOrWhiteSpace(options.ReconstructionOutputName))
            throw new ArgumentException("ReconstructionOutputName must name the graph output that reconstructs the input.", nameof(options));
        _columns = ColumnsFromOptions(options);
        byte[] bytes = options.ModelBytes ?? File.ReadAllBytes(options.ModelPath!);
        _model = OnnxAutoencoderModel.Load(bytes, options.GraphInputName, options.ReconstructionOutputName, options.CodeOutputName, options.InputShape, options.NumberOfThreads);
    }

    /// <summary>
    /// Checks <paramref name="input"/>'s column against the graph and returns the transformer; trains nothing. For an input
    /// with a fixed leading B &gt; 1 and no InputShape, the column's width picks the reading: the whole tensor's values make
    /// one row per run, a slice's values make B the batch.
    /// </summary>
    public OnnxAutoencoderTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        // The column's width decides how a fixed batch [B, d] reads: d values a row (B the batch) or B·d (the whole tensor).
        return new OnnxAutoencoderTransformer(_model.ForColumnOf(_columns.Input, InputColumn.GetVectorSize(input.Schema, _columns.Input)), _columns);
    }

    /// <summary>Describes the added columns: the code and reconstruction vectors and the Single error.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var inputColumn = inputSchema.LastOrDefault(c => c.Name == _columns.Input);
        if (inputColumn.Name == null)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), InputColumn.MissingMessage(_columns.Input, inputSchema.Select(c => c.Name)));
        if (inputColumn.Kind != SchemaShape.Column.VectorKind.Vector || inputColumn.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), InputColumn.WrongTypeMessage(_columns.Input, InputColumn.ShapeTypeName(inputColumn)));
        var result = inputSchema.ToDictionary(c => c.Name);
        if (_columns.Encoded != null) result[_columns.Encoded] = SchemaShapeColumns.Vector(_columns.Encoded, NumberDataViewType.Single);
        if (_columns.Reconstruction != null) result[_columns.Reconstruction] = SchemaShapeColumns.Vector(_columns.Reconstruction, NumberDataViewType.Single);
        if (_columns.ReconstructionError != null) result[_columns.ReconstructionError] = SchemaShapeColumns.Scalar(_columns.ReconstructionError, NumberDataViewType.Single);
        return new SchemaShape(result.Values);
    }

    private static AutoencoderColumns ColumnsFromOptions(OnnxAutoencoderOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.InputColumnName))
            throw new ArgumentException("InputColumnName must name the vector column to score.", nameof(options));
        static string? Named(string? name) => string.IsNullOrWhiteSpace(name) ? null : name;
        // The code column exists only when the graph has a code output to fill it.
        var columns = new AutoencoderColumns(options.InputColumnName,
            Named(options.CodeOutputName) is null ? null : Named(options.EncodedColumnName),
            Named(options.ReconstructionColumnName), Named(options.ReconstructionErrorColumnName));
        var outputs = columns.Outputs.ToList();
        if (outputs.Count == 0)
            throw new ArgumentException("Name at least one output column: ReconstructionColumnName, ReconstructionErrorColumnName, or EncodedColumnName with CodeOutputName.", nameof(options));
        if (outputs.Distinct().Count() != outputs.Count)
            throw new ArgumentException($"The output columns must have different names (got {string.Join(", ", outputs)}).", nameof(options));
        return columns;
    }
}
