using Microsoft.ML.Autoencoders.Engine.Losses;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// Scores a batch of rows with an imported graph through ONNX Runtime: one run per batch (or per group of its fixed batch,
/// one row or B, for a graph that fixes it), the outputs copied into buffers the cursor reads from. The error is computed here, as the engine's scorer
/// computes it, so both kinds of transformer give the same error for the same reconstruction.
/// </summary>
internal sealed class OnnxRuntimeBatchScorer : BatchScorer
{
    private readonly OnnxAutoencoderModel _model;
    private readonly float[] _input;
    private readonly float[] _reconstruction;
    private readonly float[] _code;
    private readonly float[] _errors;
    private readonly bool _needsCode;

    public OnnxRuntimeBatchScorer(OnnxAutoencoderModel model, int capacity, bool needsDecoder, bool needsCode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _model = model;
        Capacity = capacity;
        NeedsDecoder = needsDecoder;
        _needsCode = needsCode;
        _input = new float[capacity * model.InputSize];
        _reconstruction = needsDecoder ? new float[capacity * model.InputSize] : [];
        _errors = needsDecoder ? new float[capacity] : [];
        _code = needsCode ? new float[capacity * model.CodeSize] : [];
    }

    public override int Capacity { get; }

    public override bool NeedsDecoder { get; }

    public override int InputSize => _model.InputSize;

    public override Span<float> Input(int row) => _input.AsSpan(row * InputSize, InputSize);

    protected override void ScoreBatch(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, Capacity);
        _model.Run(_input, rows,
            NeedsDecoder ? _reconstruction.AsSpan(0, rows * InputSize) : default,
            _needsCode ? _code.AsSpan(0, rows * _model.CodeSize) : default);
        if (!NeedsDecoder) return;
        for (int r = 0; r < rows; r++)
            _errors[r] = ReconstructionError.MeanSquared(_input.AsSpan(r * InputSize, InputSize), _reconstruction.AsSpan(r * InputSize, InputSize));
    }

    public override ReadOnlySpan<float> Code(int row) =>
        _needsCode ? _code.AsSpan(row * _model.CodeSize, _model.CodeSize) : throw new InvalidOperationException("This scorer was built without the code output.");

    public override ReadOnlySpan<float> Reconstruction(int row) => Decoded().Slice(row * InputSize, InputSize);

    public override float Error(int row) => Decoded(_errors)[row];

    private Span<float> Decoded(float[]? values = null) =>
        NeedsDecoder ? (values ?? _reconstruction) : throw new InvalidOperationException("This scorer was built for codes only: the reconstruction was not computed.");
}
