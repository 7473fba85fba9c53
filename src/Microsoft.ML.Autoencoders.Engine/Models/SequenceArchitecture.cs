using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Models;

/// <summary>Which sequence autoencoder a <see cref="SequenceArchitecture"/> builds.</summary>
public enum SequenceAutoencoderKind
{
    /// <summary>
    /// An LSTM encoder whose last hidden state a dense layer maps to the code; the code repeated for every step, an LSTM
    /// decoder over the steps, and a dense layer per step back to the channels (the repeat-vector decoder of the Keras
    /// LSTM-autoencoder examples).
    /// </summary>
    Lstm,

    /// <summary>
    /// An LSTM encoder and dense code as <see cref="Lstm"/>'s, and a sequence-to-sequence decoder: an LSTM started from a
    /// state computed from the code and run over the steps with no input (<see cref="UnconditionedLstmDecoder"/>, or
    /// <see cref="UnconditionedGruDecoder"/> with <see cref="SequenceArchitecture.Cell"/> = Gru), then a dense layer per step
    /// back to the channels. The code reaches the decoder once, as its state, rather than at every step.
    /// </summary>
    LstmSequenceToSequence,

    /// <summary>
    /// The Keras time-series anomaly-detection example: strided "same" 1-D convolutions down (ReLU, dropout between them),
    /// transposed convolutions back up, a last transposed convolution to the channels.
    /// </summary>
    Convolutional,
}

/// <summary>The recurrent layer of the LSTM kinds' encoder and decoder (<see cref="SequenceArchitecture.Cell"/>).</summary>
public enum RecurrentCell
{
    /// <summary>Long short-term memory (<see cref="Layers.Lstm"/>): 4H gates, a cell state beside the hidden one.</summary>
    Lstm,

    /// <summary>
    /// Gated recurrent unit (<see cref="Layers.Gru"/>): 3H gates and no cell state, so about three quarters of an LSTM's
    /// weights and work per step.
    /// </summary>
    Gru,
}

/// <summary>
/// The settings of an autoencoder for windows of a time series, [<see cref="WindowLength"/>, <see cref="Channels"/>] (steps ×
/// channels, time-major: each step's channel values side by side, as windows are cut from time-ordered columns), and the
/// entry point that turns them into the <see cref="NetworkSpec"/> every network is built from (<see cref="ToSpec"/>). Both
/// kinds read and reconstruct the same window layout, so a host that cuts windows can offer either.
/// </summary>
/// <remarks>
/// <para>The LSTM kind reads <see cref="HiddenUnits"/> and <see cref="CodeSize"/>: [T, C] → LSTM(H) → its last state [H] →
/// dense [code] → repeat [T, code] → LSTM(H) over the steps [T, H] → dense per step [T, C]. The sequence-to-sequence kind
/// reads the same two: [T, C] → LSTM(H) → [H] → dense [code] → an LSTM(H) decoder started from the code, [T, H] → dense per
/// step [T, C]. <see cref="Cell"/> = <see cref="RecurrentCell.Gru"/> puts GRUs where either kind has LSTMs.</para>
/// <para>The convolutional kind reads <see cref="Filters"/>, <see cref="KernelSize"/>, <see cref="Stride"/>,
/// <see cref="HiddenActivation"/> and <see cref="DropoutRate"/>. Its defaults are the Keras example's: on windows of 288 steps of one channel, Conv1D 32 and 16
/// (kernel 7, stride 2, "same", ReLU, dropout 0.2 after the first), code [16, 72], Conv1DTranspose 16 and 32 back to 288 and
/// a last Conv1DTranspose to one channel. The window is transposed to channels first ([C, T]) on the way in and back on the
/// way out. A length the strides do not divide still comes back whole: each transposed convolution is the one that gives
/// its block's input length back (<see cref="ConvTranspose1dSpec.Undoing"/>).</para>
/// </remarks>
public sealed record SequenceArchitecture
{
    /// <summary>T, the time steps of a window.</summary>
    public required int WindowLength { get; init; }

    /// <summary>C, the values of each step (one per series watched together).</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Which network to build.</summary>
    public SequenceAutoencoderKind Kind { get; init; } = SequenceAutoencoderKind.Lstm;

    /// <summary>LSTM kinds: the hidden units of the encoder's and the decoder's LSTM.</summary>
    public int HiddenUnits { get; init; } = 64;

    /// <summary>
    /// LSTM kinds: the recurrent layer of the encoder and the decoder, an LSTM or a GRU (for the sequence-to-sequence
    /// kind, <see cref="UnconditionedGruDecoder"/> in place of <see cref="UnconditionedLstmDecoder"/>).
    /// </summary>
    public RecurrentCell Cell { get; init; } = RecurrentCell.Lstm;

    /// <summary>LSTM kinds: the code's width (a linear dense layer on the encoder's last state).</summary>
    public int CodeSize { get; init; } = 16;

    /// <summary>Convolutional kind: the output channels of each encoder convolution, outermost first; the decoder mirrors them.</summary>
    public IReadOnlyList<int> Filters { get; init; } = [32, 16];

    /// <summary>Convolutional kind: every convolution's kernel length.</summary>
    public int KernelSize { get; init; } = 7;

    /// <summary>Convolutional kind: every encoder convolution's stride (and the decoder's transposed convolutions').</summary>
    public int Stride { get; init; } = 2;

    /// <summary>Convolutional kind: the activation after every convolution but the last (ReLU, as the Keras example).</summary>
    public Activation HiddenActivation { get; init; } = Activation.Relu;

    /// <summary>Convolutional kind: inverted dropout after every block but the last of the encoder and of the decoder (0 = none).</summary>
    public float DropoutRate { get; init; } = 0.2f;

    /// <summary>The activation of the reconstruction: Linear for standardized series, Sigmoid for values scaled into [0, 1].</summary>
    public Activation OutputActivation { get; init; } = Activation.Linear;

    /// <summary>The per-row input shape, [<see cref="WindowLength"/>, <see cref="Channels"/>].</summary>
    public TensorShape InputShape
    {
        get
        {
            // Checked here, not only in ToSpec: callers read the shape (its size) before asking for the network, and a
            // shape of a non-positive dimension would otherwise fail without naming the setting.
            CheckWindow();
            return new(WindowLength, Channels);
        }
    }

    private void CheckWindow()
    {
        if (WindowLength <= 0) throw new ArgumentException($"WindowLength must be positive (was {WindowLength}).");
        if (Channels <= 0) throw new ArgumentException($"Channels must be positive (was {Channels}).");
    }

    /// <summary>An LSTM autoencoder (see <see cref="SequenceAutoencoderKind.Lstm"/>) for windows [<paramref name="windowLength"/>, <paramref name="channels"/>].</summary>
    public static SequenceArchitecture LstmAutoencoder(int windowLength, int channels = 1, int hiddenUnits = 64, int codeSize = 16) =>
        new() { Kind = SequenceAutoencoderKind.Lstm, WindowLength = windowLength, Channels = channels, HiddenUnits = hiddenUnits, CodeSize = codeSize };

    /// <summary>
    /// An LSTM autoencoder with a sequence-to-sequence decoder (see <see cref="SequenceAutoencoderKind.LstmSequenceToSequence"/>)
    /// for windows [<paramref name="windowLength"/>, <paramref name="channels"/>].
    /// </summary>
    public static SequenceArchitecture LstmSequenceToSequence(int windowLength, int channels = 1, int hiddenUnits = 64, int codeSize = 16) =>
        LstmAutoencoder(windowLength, channels, hiddenUnits, codeSize) with { Kind = SequenceAutoencoderKind.LstmSequenceToSequence };

    /// <summary>The Keras time-series example's convolutional autoencoder (see <see cref="SequenceAutoencoderKind.Convolutional"/>).</summary>
    public static SequenceArchitecture KerasConvolutional(int windowLength = 288, int channels = 1) =>
        new() { Kind = SequenceAutoencoderKind.Convolutional, WindowLength = windowLength, Channels = channels };

    /// <summary>The network as layer specs, resolved; throws <see cref="ArgumentException"/> naming the setting at fault.</summary>
    public NetworkSpec ToSpec()
    {
        CheckWindow();
        return Kind switch
        {
            SequenceAutoencoderKind.Lstm or SequenceAutoencoderKind.LstmSequenceToSequence => LstmSpec(),
            SequenceAutoencoderKind.Convolutional => ConvolutionalSpec(),
            _ => throw new ArgumentException($"Unknown sequence autoencoder kind {Kind}."),
        };
    }

    private NetworkSpec LstmSpec()
    {
        if (HiddenUnits <= 0) throw new ArgumentException($"HiddenUnits must be positive (was {HiddenUnits}).");
        if (CodeSize <= 0) throw new ArgumentException($"CodeSize must be positive (was {CodeSize}).");
        bool gru = Cell switch
        {
            RecurrentCell.Lstm => false,
            RecurrentCell.Gru => true,
            _ => throw new ArgumentException($"Unknown recurrent cell {Cell}."),
        };
        LayerSpec[] encoder = [gru ? new GruSpec(HiddenUnits) : new LstmSpec(HiddenUnits), new DenseSpec(CodeSize)];
        var decoder = Kind == SequenceAutoencoderKind.LstmSequenceToSequence
            ? new List<LayerSpec>
            {
                gru ? new UnconditionedGruDecoderSpec(WindowLength, HiddenUnits) : new UnconditionedLstmDecoderSpec(WindowLength, HiddenUnits),
                new TimeDistributedDenseSpec(Channels),
            }
            : [new RepeatVectorSpec(WindowLength), gru ? new GruSpec(HiddenUnits, ReturnSequences: true) : new LstmSpec(HiddenUnits, ReturnSequences: true),
                new TimeDistributedDenseSpec(Channels)];
        if (OutputActivation != Activation.Linear) decoder.Add(new ActivationSpec(OutputActivation));
        return NetworkSpec.Create(InputShape, encoder, decoder);
    }

    private NetworkSpec ConvolutionalSpec()
    {
        if (Filters is not { Count: > 0 } || Filters.Any(f => f <= 0)) throw new ArgumentException("Filters must hold at least one positive channel count.");
        if (KernelSize <= 0 || Stride <= 0) throw new ArgumentException($"KernelSize and Stride must be positive (were {KernelSize} and {Stride}).");
        if (!(DropoutRate >= 0 && DropoutRate < 1)) throw new ArgumentException($"DropoutRate must be in [0, 1) (was {DropoutRate}).");
        if (HiddenActivation == Activation.Linear) throw new ArgumentException("HiddenActivation must be a nonlinearity: linear blocks would collapse into one linear map.");
        var activation = new ActivationSpec(HiddenActivation);

        var encoder = new List<LayerSpec> { new TransposeSpec() };
        var convolutions = new List<int>(); // each convolution's index in the encoder
        for (int i = 0; i < Filters.Count; i++)
        {
            convolutions.Add(encoder.Count);
            encoder.Add(new Conv1dSpec(Filters[i], KernelSize, Stride));
            encoder.Add(activation);
            if (DropoutRate > 0 && i + 1 < Filters.Count) encoder.Add(new DropoutSpec(DropoutRate));
        }
        var resolved = NetworkSpec.ResolveEncoder(InputShape, encoder);

        var decoder = new List<LayerSpec>();
        for (int i = Filters.Count - 1; i >= 0; i--)
        {
            var convolution = (Conv1dSpec)resolved[convolutions[i]];
            var undo = ConvTranspose1dSpec.Undoing(convolution, convolution.InputShape!, convolution.OutputShape!)
                ?? throw new ArgumentException($"No transposed convolution of kernel {KernelSize} and stride {Stride} gives the length {convolution.InputShape![1]} back from {convolution.OutputShape![1]}.");
            decoder.Add(undo with { Filters = Filters[i] });
            decoder.Add(activation);
            if (DropoutRate > 0 && i > 0) decoder.Add(new DropoutSpec(DropoutRate));
        }
        decoder.Add(new ConvTranspose1dSpec(Channels, KernelSize));
        decoder.Add(new TransposeSpec());
        // Last, after the transpose (they commute): the loss reads the network's output activation off the last layer.
        if (OutputActivation != Activation.Linear) decoder.Add(new ActivationSpec(OutputActivation));
        return new NetworkSpec { InputShape = InputShape, Encoder = resolved, Decoder = decoder }.Resolve();
    }
}
