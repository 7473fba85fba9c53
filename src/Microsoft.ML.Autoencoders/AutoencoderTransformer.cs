using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Autoencoders.Scoring;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// A trained autoencoder applied to a column: adds the code, the reconstruction and/or the reconstruction error.
/// Scoring streams through the engine, in batches for cursors and row by row for prediction engines; saving (via <c>mlContext.Model.Save</c>) writes the model as
/// ONNX inside a chain of ML.NET's own transformers, so a fresh process loads it with plain <c>mlContext.Model.Load</c>.
/// </summary>
public sealed class AutoencoderTransformer : ITransformer, ICanSaveModel, IAutoencoderScoring
{
    internal AutoencoderTransformer(AutoencoderModel model, AutoencoderColumns columns, int? scoringThreads = null)
    {
        Model = model;
        Columns = columns;
        ScoringThreads = scoringThreads ?? Environment.ProcessorCount;
    }

    /// <summary>The trained model (network, weights, training history).</summary>
    public AutoencoderModel Model { get; }

    /// <summary>The input column.</summary>
    public string InputColumnName => Columns.Input;

    /// <summary>The code column, or null when not produced.</summary>
    public string? EncodedColumnName => Columns.Encoded;

    /// <summary>The reconstruction column, or null when not produced.</summary>
    public string? ReconstructionColumnName => Columns.Reconstruction;

    /// <summary>The reconstruction-error column, or null when not produced.</summary>
    public string? ReconstructionErrorColumnName => Columns.ReconstructionError;

    /// <summary>The denoised-output column (the reconstruction of a denoising or paired model), or null when not produced.</summary>
    public string? DenoisedColumnName => Columns.Denoised;

    /// <summary>A variational model's negative-ELBO column, or null when not produced.</summary>
    public string? NegativeElboColumnName => Columns.NegativeElbo;

    internal AutoencoderColumns Columns { get; }

    AutoencoderColumns IAutoencoderScoring.Columns => Columns;

    BatchScorer IAutoencoderScoring.CreateBatchScorer(int capacity, bool needsDecoder, bool needsCode) =>
        new EngineBatchScorer(Model.Network, capacity, needsDecoder, needsCode, ScoringThreads, Model.IsVariational ? Model.Variational : null);

    /// <summary>
    /// The most threads one batch of a cursor may use: the estimator's <see cref="AutoencoderOptions.NumberOfThreads"/>,
    /// else one per processor. Scores do not depend on it.
    /// </summary>
    internal int ScoringThreads { get; }

    /// <summary>True: rows can be scored one at a time (prediction engines rely on this).</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus the output columns.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputColumn.CheckMatches(inputSchema, Columns.Input, Model.InputSize);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        if (Columns.Encoded != null) builder.AddColumn(Columns.Encoded, new VectorDataViewType(NumberDataViewType.Single, Model.CodeSize));
        if (Columns.Reconstruction != null) builder.AddColumn(Columns.Reconstruction, new VectorDataViewType(NumberDataViewType.Single, Model.InputSize));
        if (Columns.ReconstructionError != null) builder.AddColumn(Columns.ReconstructionError, NumberDataViewType.Single);
        if (Columns.Denoised != null) builder.AddColumn(Columns.Denoised, new VectorDataViewType(NumberDataViewType.Single, Model.InputSize));
        if (Columns.NegativeElbo != null) builder.AddColumn(Columns.NegativeElbo, NumberDataViewType.Single);
        return builder.ToSchema();
    }

    /// <summary>Returns a view that scores <paramref name="input"/> lazily, as its rows are read.</summary>
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

    /// <summary>Writes the model as ONNX to <paramref name="stream"/>, with a batch dimension for any ONNX runtime.</summary>
    public void SaveAsOnnx(Stream stream) => AutoencoderOnnx.Write(Model, Columns, stream, batched: true);

    /// <summary>
    /// Writes one ONNX graph from the raw columns of an ML.NET pipeline to the autoencoder's outputs: ML.NET's converter
    /// writes <paramref name="preprocessing"/> (the fitted transforms ahead of this autoencoder), and its
    /// <see cref="InputColumnName"/> tensor feeds the autoencoder's nodes. Inputs: the raw columns the input column depends
    /// on, each [N, width] in its own element type; outputs <c>encoded</c>, <c>reconstruction</c>,
    /// <c>reconstruction_error</c> (and <c>negative_elbo</c> for a variational model), as in <see cref="SaveAsOnnx(Stream)"/>.
    /// </summary>
    /// <param name="stream">Where the file goes; left open.</param>
    /// <param name="preprocessing">The fitted transforms that produce <see cref="InputColumnName"/>, without this autoencoder.</param>
    /// <param name="inputData">Data with the raw columns (the preprocessing's input schema); only its schema is read.</param>
    /// <exception cref="ArgumentException">The preprocessing does not produce <see cref="InputColumnName"/> with this model's width.</exception>
    /// <exception cref="NotSupportedException">A step of the preprocessing has no ONNX form in ML.NET's converter; the message names it.</exception>
    /// <example>
    /// <code>
    /// var prep = mlContext.Transforms.Concatenate("Features", "A", "B").Append(mlContext.Transforms.NormalizeMinMax("Features")).Fit(raw);
    /// var autoencoder = mlContext.Transforms.Autoencoder("Encoded", "Features", codeSize: 2).Fit(prep.Transform(raw));
    /// using var file = File.Create("pipeline.onnx");
    /// autoencoder.SaveAsOnnx(file, prep, raw);   // inputs A [N, 1], B [N, 1]
    /// </code>
    /// </example>
    public void SaveAsOnnx(Stream stream, ITransformer preprocessing, IDataView inputData)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var ours = new MemoryStream();
        SaveAsOnnx(ours);
        PipelineOnnx.Write(stream, ours.ToArray(), InputColumnName, preprocessing, inputData, "autoencoder_pipeline");
    }

    /// <summary>
    /// Writes the encoder alone as ONNX: input <c>input</c> [N, d] → output <c>encoded</c> [N, k], e.g. to serve codes as
    /// features elsewhere. A file of one part cannot be read back with <see cref="LoadOnnx"/>.
    /// </summary>
    public void SaveEncoderAsOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        AutoencoderOnnx.WritePart(Model, encoder: true, stream);
    }

    /// <summary>
    /// Writes the decoder alone as ONNX: input <c>encoded</c> [N, k] → output <c>reconstruction</c> [N, d], e.g. to generate
    /// rows from codes elsewhere. A file of one part cannot be read back with <see cref="LoadOnnx"/>.
    /// </summary>
    public void SaveDecoderAsOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        AutoencoderOnnx.WritePart(Model, encoder: false, stream);
    }

    /// <summary>
    /// Reads a model written by <see cref="SaveAsOnnx(Stream)"/> back into a transformer with the same columns and weights.
    /// </summary>
    public static AutoencoderTransformer LoadOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var (model, columns) = AutoencoderOnnx.Read(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        return new AutoencoderTransformer(model, columns);
    }

    /// <summary>
    /// Rebuilds the typed transformer from a model zip written by <c>mlContext.Model.Save</c> (where, after
    /// <c>mlContext.Model.Load</c>, it is only a chain of ML.NET transformers). The zip must hold exactly one
    /// autoencoder; use <see cref="LoadAllFromModelFile(string)"/> for pipelines with several.
    /// </summary>
    public static AutoencoderTransformer LoadFromModelFile(string modelPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        return SavedModelFile.Read(modelPath, zip => TheOneIn(zip, $"'{modelPath}'"));
    }

    /// <summary>
    /// <see cref="LoadFromModelFile(string)"/> from a stream holding the zip, as <c>mlContext.Model.Load(stream, out schema)</c>
    /// reads one (an embedded resource, a download); read from its current position, and not closed.
    /// </summary>
    public static AutoencoderTransformer LoadFromModelFile(Stream modelStream) =>
        SavedModelFile.Read(modelStream, zip => TheOneIn(zip, SavedModelFile.StreamName));

    /// <summary>Every autoencoder in a model zip written by <c>mlContext.Model.Save</c>, in pipeline order.</summary>
    public static IReadOnlyList<AutoencoderTransformer> LoadAllFromModelFile(string modelPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        return SavedModelFile.Read(modelPath, SavedModelArchive.ReadAll);
    }

    /// <summary><see cref="LoadAllFromModelFile(string)"/> from a stream holding the zip (see <see cref="LoadFromModelFile(Stream)"/>).</summary>
    public static IReadOnlyList<AutoencoderTransformer> LoadAllFromModelFile(Stream modelStream) =>
        SavedModelFile.Read(modelStream, SavedModelArchive.ReadAll);

    private static AutoencoderTransformer TheOneIn(Stream zip, string name)
    {
        var all = SavedModelArchive.ReadAll(zip);
        return all.Count switch
        {
            1 => all[0],
            0 => throw new InvalidDataException(NoAutoencoderMessage(zip, name)),
            _ => throw new InvalidDataException($"{name} holds {all.Count} autoencoders; use LoadAllFromModelFile to get them all."),
        };
    }

    /// <summary>Why a zip holds no autoencoder of ours, pointing to the loader of what it does hold.</summary>
    private static string NoAutoencoderMessage(Stream zip, string name)
    {
        zip.Position = 0;
        if (OnnxImportArchive.ReadAll(zip).Count > 0)
            return $"{name} holds an imported ONNX autoencoder, not one this library trained: load it with OnnxAutoencoderTransformer.LoadFromModelFile.";
        return $"{name} holds no autoencoder saved by Microsoft.ML.Autoencoders.";
    }

    void ICanSaveModel.Save(ModelSaveContext context) => OnnxTransformerChain.Build(this).Save(context);
}
