using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Training;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// The sequence autoencoders as layer specs: the LSTM autoencoder and the Keras time-series example exactly, odd window
/// lengths, several channels; every gradient of a whole network against finite differences along the training step's path;
/// and both kinds learning noisy sine windows far below the signal's variance, where an untrained network is not.
/// </summary>
public class SequenceArchitectureTests(ITestOutputHelper output)
{
    private static string Describe(IEnumerable<LayerSpec> layers) => string.Join(" ", layers.Select(l => l switch
    {
        LstmSpec s => s.ReturnSequences ? $"lstm{s.Units}seq" : $"lstm{s.Units}",
        GruSpec g => g.ReturnSequences ? $"gru{g.Units}seq" : $"gru{g.Units}",
        DenseSpec d => $"dense{d.Units}",
        RepeatVectorSpec r => $"repeat{r.Steps}",
        UnconditionedLstmDecoderSpec d => $"lstmdecoder{d.Units}x{d.Steps}",
        UnconditionedGruDecoderSpec d => $"grudecoder{d.Units}x{d.Steps}",
        TimeDistributedDenseSpec t => $"td{t.Units}",
        Conv1dSpec c => $"conv{c.Filters}s{c.Stride}",
        ConvTranspose1dSpec t => $"convT{t.Filters}s{t.Stride}",
        ActivationSpec a => a.Function.ToString().ToLowerInvariant(),
        DropoutSpec => "drop",
        _ => l.Kind,
    }));

    [Fact]
    public void AnEmptyWindowIsRefusedByNameAlreadyByItsShape()
    {
        // Callers read InputShape (its size) before ToSpec; the shape itself used to fail naming no setting.
        var error = Assert.Throws<ArgumentException>(() => SequenceArchitecture.LstmAutoencoder(0).InputShape);
        Assert.Contains("WindowLength must be positive (was 0)", error.Message);
        Assert.Contains("Channels must be positive (was 0)",
            Assert.Throws<ArgumentException>(() => SequenceArchitecture.KerasConvolutional(8, channels: 0).ToSpec()).Message);
    }

    [Fact]
    public void LstmAutoencoder_IsEncoderCodeRepeatDecoderAndADensePerStep()
    {
        var spec = SequenceArchitecture.LstmAutoencoder(64, channels: 1, hiddenUnits: 64, codeSize: 16).ToSpec();
        Assert.Equal("lstm64 dense16", Describe(spec.Encoder));
        Assert.Equal("repeat64 lstm64seq td1", Describe(spec.Decoder));
        Assert.Equal(new TensorShape(16), spec.CodeShape);
        Assert.Equal(new TensorShape(64, 1), spec.InputShape);
        Assert.Equal(spec, NetworkSpec.FromJson(spec.ToJson()));
    }

    [Fact]
    public void LstmSequenceToSequence_IsEncoderCodeAndADecoderStartedFromTheCode()
    {
        var spec = SequenceArchitecture.LstmSequenceToSequence(64, channels: 2, hiddenUnits: 32, codeSize: 8).ToSpec();
        Assert.Equal("lstm32 dense8", Describe(spec.Encoder));
        Assert.Equal("lstmdecoder32x64 td2", Describe(spec.Decoder));
        Assert.Equal(new TensorShape(64, 2), spec.Decoder[^1].OutputShape);
        Assert.Equal(spec, NetworkSpec.FromJson(spec.ToJson()));
    }

    [Fact]
    public void GruCell_PutsGrusWhereTheLstmsWere()
    {
        var spec = (SequenceArchitecture.LstmAutoencoder(32, channels: 1, hiddenUnits: 16, codeSize: 4) with { Cell = RecurrentCell.Gru }).ToSpec();
        Assert.Equal("gru16 dense4", Describe(spec.Encoder));
        Assert.Equal("repeat32 gru16seq td1", Describe(spec.Decoder));
        Assert.Equal(spec, NetworkSpec.FromJson(spec.ToJson()));
        var seq2seq = (SequenceArchitecture.LstmSequenceToSequence(32, channels: 1, hiddenUnits: 16, codeSize: 4) with { Cell = RecurrentCell.Gru }).ToSpec();
        Assert.Equal("gru16 dense4", Describe(seq2seq.Encoder));
        Assert.Equal("grudecoder16x32 td1", Describe(seq2seq.Decoder));
        Assert.Equal(seq2seq, NetworkSpec.FromJson(seq2seq.ToJson()));
    }

    [Fact]
    public void KerasConvolutional_IsTheKerasExample()
    {
        var spec = SequenceArchitecture.KerasConvolutional().ToSpec();
        Assert.Equal("transpose conv32s2 relu drop conv16s2 relu", Describe(spec.Encoder));
        Assert.Equal("convT16s2 relu drop convT32s2 relu convT1s1 transpose", Describe(spec.Decoder));
        Assert.Equal(new TensorShape(16, 72), spec.CodeShape);
        Assert.Equal(["[16, 144]", "[32, 288]", "[1, 288]"], spec.Decoder.OfType<ConvTranspose1dSpec>().Select(l => l.OutputShape!.ToString()));
        Assert.All(spec.Layers.OfType<Conv1dSpec>(), c => Assert.Equal((7, Conv2dPadding.Same), (c.KernelSize, c.Padding)));
        Assert.All(spec.Layers.OfType<ConvTranspose1dSpec>(), c => Assert.Equal((7, Conv2dPadding.Same), (c.KernelSize, c.Padding)));
        Assert.All(spec.Layers.OfType<DropoutSpec>(), d => Assert.Equal(0.2f, d.Rate));
        Assert.Equal(spec, NetworkSpec.FromJson(spec.ToJson()));
    }

    [Theory]
    [InlineData(101, 1)]
    [InlineData(30, 3)]
    [InlineData(7, 2)]
    public void KerasConvolutional_GivesOddWindowsAndSeveralChannelsBack(int window, int channels)
    {
        var spec = (SequenceArchitecture.KerasConvolutional(window, channels) with { OutputActivation = Activation.Sigmoid }).ToSpec();
        Assert.Equal(new TensorShape(window, channels), spec.Decoder[^1].OutputShape);
        Assert.IsType<ActivationSpec>(spec.Decoder[^1]); // last, so the loss pairs with it
        Assert.Equal(Activation.Sigmoid, AutoencoderNetwork.Create(spec, seed: 1).OutputActivation);
    }

    [Fact]
    public void BadSettings_AreRefusedByName()
    {
        Assert.Contains("HiddenUnits", Assert.Throws<ArgumentException>(() => SequenceArchitecture.LstmAutoencoder(8, hiddenUnits: 0).ToSpec()).Message);
        Assert.Contains("WindowLength", Assert.Throws<ArgumentException>(() => SequenceArchitecture.LstmAutoencoder(0).ToSpec()).Message);
        Assert.Contains("Filters", Assert.Throws<ArgumentException>(() => (SequenceArchitecture.KerasConvolutional(32) with { Filters = [] }).ToSpec()).Message);
        Assert.Contains("DropoutRate", Assert.Throws<ArgumentException>(() => (SequenceArchitecture.KerasConvolutional(32) with { DropoutRate = 1 }).ToSpec()).Message);
    }

    public static TheoryData<string> SmallNetworks => new() { "lstm", "lstm-seq2seq", "gru", "gru-seq2seq", "convolutional" };

    private static SequenceArchitecture Small(string kind) => kind == "lstm"
        ? SequenceArchitecture.LstmAutoencoder(5, channels: 2, hiddenUnits: 3, codeSize: 2)
        : kind == "lstm-seq2seq" ? SequenceArchitecture.LstmSequenceToSequence(5, channels: 2, hiddenUnits: 3, codeSize: 2)
        : kind == "gru" ? SequenceArchitecture.LstmAutoencoder(5, channels: 2, hiddenUnits: 3, codeSize: 2) with { Cell = RecurrentCell.Gru }
        : kind == "gru-seq2seq" ? SequenceArchitecture.LstmSequenceToSequence(5, channels: 2, hiddenUnits: 3, codeSize: 2) with { Cell = RecurrentCell.Gru }
        // Tanh rather than ReLU: a ReLU input within the step of zero would break the finite differences, not the gradient.
        : SequenceArchitecture.KerasConvolutional(9, channels: 2) with { Filters = [3, 2], KernelSize = 3, DropoutRate = 0, HiddenActivation = Activation.Tanh };

    [Theory]
    [MemberData(nameof(SmallNetworks))]
    public void WholeNetworkGradients_AlongTheTrainingStepsPath_MatchFiniteDifferences(string kind)
    {
        // Slots and parameter gradients written over, as the training step runs them: every shortcut a layer takes there
        // (beta = 0 GEMMs, the fused activation passes) is checked against the loss itself.
        var network = AutoencoderNetwork.Create(Small(kind).ToSpec(), seed: 3);
        var random = new SeededRandom(4);
        var values = network.Parameters.Values;
        for (int i = 0; i < values.Length; i++) values[i] += random.NextFloat(-0.2f, 0.2f);
        const int Batch = 3;
        var (input, _) = SineWindows.Create(Batch, network.Spec.InputShape[0], network.Spec.InputShape[1], period: 7, noise: 0.1, seed: 5);
        var loss = Loss.Create(LossKind.MeanSquaredError, Activation.Linear);
        var cache = network.CreateCache(Batch, forTraining: true);
        var context = new LayerContext(Training: false, Threads: 1); // deterministic: dropout (none here) off
        int last = network.Layers.Layers.Count;
        double Objective()
        {
            input.CopyTo(network.Input(cache, Batch));
            network.Forward(cache, Batch, context);
            return loss.Compute(cache.Values(last, Batch), input, Span<float>.Empty);
        }

        input.CopyTo(network.Input(cache, Batch));
        network.Forward(cache, Batch, context);
        loss.Compute(cache.Values(last, Batch), input, cache.Gradients(last, Batch));
        // As the training step decides: parameter gradients written over (so they start as NaN here: nothing may be read from
        // before) when every layer with parameters can, else cleared and added to.
        bool overwrite = network.Layers.Layers.All(l => l.Parameters.Count == 0 || l.CanOverwriteParameterGradients);
        Assert.Equal(kind != "convolutional", overwrite);
        network.Parameters.Gradients.AsSpan().Fill(overwrite ? float.NaN : 0f);
        network.Layers.Backward(cache, Batch, context with { OverwriteParameterGradients = overwrite }, overwriteGradients: true);
        float[] analytic = network.Parameters.Gradients.ToArray();
        foreach (var parameter in network.Parameters.Parameters)
        {
            // MSE averages over every value, so gradients are small (~1e-3), and a float forward pass through the recurrence
            // leaves a few 1e-5 of noise in a quotient with the usual step of 1e-3 (measured); a step of 4e-3 quarters it.
            double[] numerical = GradientCheck.Numerical(values, parameter.Offset, parameter.Length, Objective, epsilon: 4e-3f);
            GradientCheck.AssertMatches(parameter.Name, analytic.AsSpan(parameter.Offset, parameter.Length), numerical, 1e-5);
        }
    }

    public static TheoryData<string, int, int> Learners => new()
    {
        // kind, window, channels
        { "lstm", 24, 1 },
        { "lstm-seq2seq", 24, 1 },
        { "gru", 24, 1 },
        { "gru-seq2seq", 24, 1 },
        { "convolutional", 48, 2 },
    };

    [Theory]
    [MemberData(nameof(Learners))]
    public void LearnsNoisySineWindows_FarBelowTheSignalsVariance(string kind, int window, int channels)
    {
        var architecture = kind == "lstm" ? SequenceArchitecture.LstmAutoencoder(window, channels, hiddenUnits: 16, codeSize: 4)
            : kind == "lstm-seq2seq" ? SequenceArchitecture.LstmSequenceToSequence(window, channels, hiddenUnits: 16, codeSize: 4)
            : kind == "gru" ? SequenceArchitecture.LstmAutoencoder(window, channels, hiddenUnits: 16, codeSize: 4) with { Cell = RecurrentCell.Gru }
            : kind == "gru-seq2seq" ? SequenceArchitecture.LstmSequenceToSequence(window, channels, hiddenUnits: 16, codeSize: 4) with { Cell = RecurrentCell.Gru }
            : SequenceArchitecture.KerasConvolutional(window, channels) with { Filters = [8, 4] };
        var network = AutoencoderNetwork.Create(architecture.ToSpec(), seed: 7);
        const int Rows = 512, TestRows = 128;
        const double Noise = 0.1;
        var (train, _) = SineWindows.Create(Rows, window, channels, period: 12, Noise, seed: 8);
        var (test, clean) = SineWindows.Create(TestRows, window, channels, period: 12, Noise, seed: 9);
        double before = TrainingTests.ReconstructionMse(network, test, TestRows);

        var history = new AutoencoderTrainer(network, new TrainingOptions
        {
            Epochs = 30, BatchSize = 32, Seed = 10, Threads = 2,
            Optimizer = new OptimizerSettings { LearningRate = 3e-3f },
        }).Fit(train, null, Rows);
        double after = TrainingTests.ReconstructionMse(network, test, TestRows);
        double againstClean = CleanMse(network, test, clean, TestRows);
        output.WriteLine($"{kind}: test MSE {before:F4} untrained → {after:F4} after {history.Epochs.Count} epochs; against the clean windows {againstClean:F4}; signal variance {SineWindows.SignalVariance}, noise variance {Noise * Noise}");

        Assert.True(before > 0.5 * SineWindows.SignalVariance, $"untrained MSE {before}: the threshold below would mean nothing");
        Assert.True(after < 0.1 * SineWindows.SignalVariance, $"trained MSE {after} is not far below the signal variance {SineWindows.SignalVariance}");
    }

    /// <summary>The MSE of the reconstructions of <paramref name="noisy"/> against the windows without noise.</summary>
    private static double CleanMse(AutoencoderNetwork network, float[] noisy, float[] clean, int rows)
    {
        var cache = network.CreateCache(rows);
        noisy.CopyTo(network.Input(cache, rows));
        network.Forward(cache, rows, LayerContext.Inference());
        ReadOnlySpan<float> output = network.Reconstruction(cache, rows);
        double sum = 0;
        for (int i = 0; i < clean.Length; i++) sum += (output[i] - clean[i]) * (double)(output[i] - clean[i]);
        return sum / clean.Length;
    }
}
