using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Autoencoders.Scoring;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// An imported ONNX autoencoder applied to a column: adds the reconstruction, its per-row mean squared error and, when
/// the graph has a code output, the code. Cursors score in batches through ONNX Runtime's C# API (the same look-ahead
/// cursor the engine-trained <see cref="AutoencoderTransformer"/> uses); prediction engines score row by row. Saving
/// through <c>mlContext.Model.Save</c> embeds the graph's bytes; <see cref="LoadFromModelFile"/> brings this transformer
/// back, batched, where plain <c>mlContext.Model.Load</c> gives ML.NET's row-by-row OnnxTransformer.
/// </summary>
public sealed class OnnxAutoencoderTransformer : ITransformer, ICanSaveModel, IAutoencoderScoring
{
    internal OnnxAutoencoderTransformer(OnnxAutoencoderModel model, AutoencoderColumns columns)
    {
        Model = model;
        Columns = columns;
    }

    /// <summary>The imported graph and its binding; dispose it to free the ONNX Runtime session.</summary>
    public OnnxAutoencoderModel Model { get; }

    /// <summary>The input column.</summary>
    public string InputColumnName => Columns.Input;

    /// <summary>The code column, or null when not produced.</summary>
    public string? EncodedColumnName => Columns.Encoded;

    /// <summary>The reconstruction column, or null when not produced.</summary>
    public string? ReconstructionColumnName => Columns.Reconstruction;

    /// <summary>The reconstruction-error column, or null when not produced.</summary>
    public string? ReconstructionErrorColumnName => Columns.ReconstructionError;

    internal AutoencoderColumns Columns { get; }

    AutoencoderColumns IAutoencoderScoring.Columns => Columns;

    /// <summary>True: rows can be scored one at a time (prediction engines rely on this).</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus the output columns.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Model.Binding.CheckColumnSize(Columns.Input, InputColumn.GetVectorSize(inputSchema, Columns.Input));
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        if (Columns.Encoded != null) builder.AddColumn(Columns.Encoded, new VectorDataViewType(NumberDataViewType.Single, Model.CodeSize));
        if (Columns.Reconstruction != null) builder.AddColumn(Columns.Reconstruction, new VectorDataViewType(NumberDataViewType.Single, Model.InputSize));
        if (Columns.ReconstructionError != null) builder.AddColumn(Columns.ReconstructionError, NumberDataViewType.Single);
        return builder.ToSchema();
    }

    /// <summary>Returns a view that scores <paramref name="input"/> lazily, in batches, as its rows are read.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new AutoencoderDataView(input, new AutoencoderRowMapper(this, input.Schema));
    }

    /// <summary>A mapper that scores single rows, as prediction engines do.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new AutoencoderRowMapper(this, inputSchema);
    }

    BatchScorer IAutoencoderScoring.CreateBatchScorer(int capacity, bool needsDecoder, bool needsCode) =>
        new OnnxRuntimeBatchScorer(Model, capacity, needsDecoder, needsCode);

    /// <summary>
    /// Rebuilds the batched transformer from a model zip written by <c>mlContext.Model.Save</c>. The zip must hold exactly
    /// one imported autoencoder.
    /// </summary>
    public static OnnxAutoencoderTransformer LoadFromModelFile(string modelPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        return TheOne(SavedModelFile.Read(modelPath, zip => OnnxImportArchive.ReadAll(zip)), $"'{modelPath}'");
    }

    /// <summary>
    /// <see cref="LoadFromModelFile(string)"/> from a stream holding the zip, as <c>mlContext.Model.Load(stream, out schema)</c>
    /// reads one; read from its current position, and not closed.
    /// </summary>
    public static OnnxAutoencoderTransformer LoadFromModelFile(Stream modelStream) =>
        TheOne(SavedModelFile.Read(modelStream, zip => OnnxImportArchive.ReadAll(zip)), SavedModelFile.StreamName);

    private static OnnxAutoencoderTransformer TheOne(IReadOnlyList<OnnxAutoencoderTransformer> all, string name) => all.Count switch
    {
        1 => all[0],
        0 => throw new InvalidDataException(
            $"{name} holds no imported ONNX autoencoder. For a model this library trained, use AutoencoderTransformer.LoadFromModelFile; " +
            "for an anomaly detector, AutoencoderAnomalyTransformer.LoadFromModelFile."),
        _ => throw new InvalidDataException($"{name} holds {all.Count} imported autoencoders; this loader expects one."),
    };

    void ICanSaveModel.Save(ModelSaveContext context) => OnnxImportChain.Build(this).Save(context);
}
