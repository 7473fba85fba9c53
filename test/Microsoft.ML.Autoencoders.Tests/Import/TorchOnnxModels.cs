using System.Text.Json;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// The autoencoders exported with <c>torch.onnx.export</c> that the torch import tests read: committed files
/// (TorchModels/make_torch_models.py says how they were made), each with what PyTorch computed for fixed rows in eval mode.
/// </summary>
internal static class TorchOnnxModels
{
    /// <summary>A skip connection (h + f(h)): ONNX Runtime scores it, the engine's chains of layers cannot hold it.</summary>
    public const string Residual = "torch_residual_mlp";

    /// <summary>
    /// Exported from a dummy batch of two rows without dynamic_axes, so the input is [2, ...]. The engine reads the leading 2
    /// as the batch (Gemm and Conv read their first axis so), and so does the ONNX Runtime route, which runs two rows at a
    /// time. Declared before <see cref="Names"/>, which reads it as the class initializes.
    /// </summary>
    public static readonly string[] FixedBatchOfTwo = ["torch_mlp_fixed_batch_of_two", "torch_conv_dense_view_fixed_batch_of_two"];

    /// <summary>
    /// Sequence autoencoders (below) over windows [T, N, C], as nn.LSTM and nn.GRU read them by default (batch_first=False):
    /// an LSTM with a dynamic batch, the input [6, batch, 2], and a GRU with a fixed batch of one, [6, 1, 2]. The expected rows
    /// are batch-first, each window's [T, C]. Declared before <see cref="SequenceAutoencoders"/>, which reads it as the class
    /// initializes.
    /// </summary>
    public static readonly string[] TimeMajor = ["torch_lstm_time_major", "torch_gru_time_major_fixed_batch"];

    /// <summary>
    /// nn.LSTM and nn.GRU autoencoders over windows [N, T, C] (batch_first=True): the last hidden state (h_n[-1], or
    /// output[:, -1] with a fixed batch of one) as or into the code, repeated over the steps (x.repeat, x.expand) into a
    /// decoder, an nn.Linear per step; two with num_layers=2, one of them with a fixed batch; and the time-major ones. Declared
    /// before <see cref="Names"/>, which reads it as the class initializes.
    /// </summary>
    public static readonly string[] SequenceAutoencoders = ["torch_lstm_repeat", "torch_lstm_expand_last_output", "torch_gru_repeat", "torch_lstm_two_layers", "torch_lstm_two_layers_fixed_batch", .. TimeMajor];

    /// <summary>
    /// Rows stored channels-last, as Keras keeps them: images [N, H, W, C] through x.permute(0, 3, 1, 2) into the convolutions
    /// and x.permute(0, 2, 3, 1) back (the second with a Keras-style flatten before its dense code), and a series [N, L, C]
    /// through x.permute(0, 2, 1) into Conv1d. Declared before <see cref="Names"/>, which reads it as the class initializes.
    /// </summary>
    public static readonly string[] ChannelsLast = ["torch_conv_channels_last", "torch_conv_channels_last_dense", "torch_conv1d_channels_last"];

    /// <summary>
    /// A Pad of zeros in front of a Conv, folded into the convolution's padding: nn.ZeroPad2d (1 on every side, and
    /// (0, 1, 0, 1) before a stride-2 kernel of 3, TensorFlow's "same") and F.pad over images, F.pad over a series; PyTorch's
    /// causal F.pad(x, (dilation·(k − 1), 0)) before every Conv1d of a TCN-style autoencoder (the engine's causal padding),
    /// and nn.ZeroPad2d with four different sides (its per-side pads). Declared before <see cref="Names"/>, which reads it as
    /// the class initializes.
    /// </summary>
    public static readonly string[] ZeroPadded = ["torch_conv_zero_pad", "torch_conv1d_zero_pad", "torch_conv1d_causal", "torch_conv_unequal_pad"];

    /// <summary>
    /// Keras' Conv1D + MaxPooling1D + UpSampling1D series autoencoder as PyTorch writes it over [N, 2, 16]: nn.MaxPool1d(2) and
    /// nn.Upsample(scale_factor=2) with a dynamic batch at opset 13, nn.MaxPool1d(3, stride=2, padding=1) with a fixed batch at
    /// opset 17 (the engine's max_pool1d and upsample1d). Declared before <see cref="Names"/>, which reads it as the class initializes.
    /// </summary>
    public static readonly string[] SequencePooling = ["torch_conv1d_maxpool_upsample", "torch_conv1d_maxpool_padded"];

    /// <summary>
    /// nn.LayerNorm (the engine's layer_norm) at opset 17 (LayerNormalization) and 13 (ReduceMean, Sub, Pow, ReduceMean, Add,
    /// Sqrt, Div, Mul, Add): fresh (γ = 1 and β = 0, which PyTorch shares between the two norms through an Identity), with
    /// trained γ and β, without them (elementwise_affine=False, opset 13 only: torch 1.13 cannot export it at 17), and per
    /// step of windows [N, 6, 3] with the decoder's eps 1e-3. Declared before <see cref="Names"/>, which reads it as the class
    /// initializes.
    /// </summary>
    public static readonly string[] LayerNorm =
    [
        "torch_mlp_layernorm", "torch_mlp_layernorm_opset13", "torch_mlp_layernorm_affine", "torch_mlp_layernorm_affine_opset13",
        "torch_mlp_layernorm_no_affine_opset13", "torch_steps_layernorm",
    ];

    /// <summary>
    /// nn.PReLU(F) with a slope per feature (the hidden layers; the code too, at opset 13) and nn.PReLU(C) with a slope per
    /// channel after Conv2d (nn.PReLU() up) and after Conv1d: the engine's prelu with the file's slopes. Declared before
    /// <see cref="Names"/>, which reads it as the class initializes.
    /// </summary>
    public static readonly string[] PRelu =
        ["torch_mlp_prelu_per_feature", "torch_mlp_prelu_per_feature_code", "torch_conv_prelu_per_channel", "torch_conv1d_prelu_per_channel"];

    /// <summary>Recurrent forms the engine's layers do not compute: bidirectional, the code from the cell state.</summary>
    public static readonly string[] RefusedSequenceForms = ["torch_lstm_bidirectional", "torch_lstm_cell_state_code"];

    /// <summary>Every exported model that imports into the engine, by file name without extension.</summary>
    public static readonly string[] Names =
    [
        "torch_mlp_sequential", "torch_mlp_mixed", "torch_mlp_code_output", "torch_mlp_fixed_batch", "torch_mlp_image_input",
        "torch_conv_transpose", "torch_conv_upsample_nearest", "torch_conv_upsample_bilinear",
        "torch_conv_dense_view", "torch_conv_dense_view_flat_input", "torch_conv_dense_view_fixed_batch", "torch_conv_flatten_unflatten",
        "torch_conv_code_as_wide_as_decoder", "torch_conv1d_sequence", "torch_mlp_elu_softplus", "torch_mlp_gelu", "torch_mlp_silu", "torch_conv_gelu_silu", "torch_conv_avgpool", "torch_conv_avgpool_ceil", "torch_mlp_relu6_hardtanh", "torch_mlp_prelu", .. PRelu, .. ZeroPadded, .. SequencePooling, .. LayerNorm, .. ChannelsLast, .. SequenceAutoencoders, .. FixedBatchOfTwo,
    ];

    /// <summary>
    /// A VAE as PyTorch's examples write it, forward returning (reconstruction, mu, logvar) and z = mu in eval mode: it imports
    /// as the engine's variational autoencoder (one dense layer of mean and log-variance, then gaussian_sampling), which
    /// fine-tunes with the KL term (<see cref="AutoencoderOptions.Variational"/>) rather than as the plain ones do.
    /// </summary>
    public const string VariationalMeanAndLogVariance = "torch_vae_mean_logvar_outputs";

    /// <summary>The importable names as theory data.</summary>
    public static TheoryData<string> Importable() => new(Names);

    /// <summary>
    /// Activations the engine has no layer for, exported as forks that are not nn.GELU's or nn.SiLU's: nn.Mish
    /// (x·tanh(softplus(x))) and nn.GELU(approximate="tanh"), another function than the exact GELU; and nn.Hardsigmoid, an
    /// operator (HardSigmoid) of its own.
    /// </summary>
    public static readonly string[] UnsupportedActivations = ["torch_mlp_mish", "torch_mlp_gelu_tanh", "torch_mlp_hardsigmoid"];


    /// <summary>
    /// Files whose input leaves its second axis open ([T, N, C]): ONNX Runtime's route batches along the first axis only,
    /// so these score with InputShape = [T, 1, C], one window per run (<see cref="TorchSequenceImportTests"/>).
    /// </summary>
    public static readonly string[] OpenSecondAxis = ["torch_lstm_time_major"];

    /// <summary>Every file ONNX Runtime scores one row (or batch) at a time, the refused ones too, as theory data.</summary>
    public static TheoryData<string> All() => new([.. Names.Except(OpenSecondAxis), VariationalMeanAndLogVariance, Residual, .. UnsupportedActivations, .. RefusedSequenceForms]);

    /// <summary>The path of model <paramref name="name"/>.</summary>
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Import", "TorchModels", name + ".onnx");

    /// <summary>What PyTorch computed for model <paramref name="name"/>.</summary>
    public static Expected ExpectedFor(string name)
    {
        using var stream = File.OpenRead(System.IO.Path.Combine(AppContext.BaseDirectory, "Import", "TorchModels", name + ".expected.json"));
        var json = JsonSerializer.Deserialize<JsonElement>(stream);
        static float[][] Rows(JsonElement e) => [.. e.EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray())];
        return new Expected(
            Rows(json.GetProperty("input")), Rows(json.GetProperty("reconstruction")), Rows(json.GetProperty("code")),
            [.. json.GetProperty("error").EnumerateArray().Select(v => (float)v.GetDouble())],
            json.GetProperty("code_size").GetInt32(), json.GetProperty("dynamic_batch").GetBoolean());
    }

    /// <summary>
    /// Where a fine-tune of model <paramref name="name"/> starts: what PyTorch computed, the model imported into the engine,
    /// the imported weights' mean MSE on those rows, and the rows as a data view of <paramref name="ml"/>.
    /// </summary>
    public static ImportedFixture Import(string name, MLContext ml)
    {
        var expected = ExpectedFor(name);
        var imported = AutoencoderModel.ImportOnnx(Path(name));
        return new ImportedFixture(expected, imported, imported.ReconstructionErrors(expected.FlatInput, expected.Rows).Average(),
            ImportData.Of(ml, expected.Input, expected.Width));
    }

    /// <summary>See <see cref="Import"/>.</summary>
    public sealed record ImportedFixture(Expected Expected, AutoencoderModel Model, float ImportedMse, IDataView Data);

    /// <summary>Input rows (flattened) and PyTorch's reconstruction, code (the encoder's output) and per-row MSE for them.</summary>
    public sealed record Expected(float[][] Input, float[][] Reconstruction, float[][] Code, float[] Error, int CodeSize, bool DynamicBatch)
    {
        public int Rows => Input.Length;

        public int Width => Input[0].Length;

        public float[] FlatInput => [.. Input.SelectMany(r => r)];
    }
}
