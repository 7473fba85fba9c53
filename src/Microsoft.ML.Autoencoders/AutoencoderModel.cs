using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Autoencoders.Engine.Variational;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// A trained autoencoder, independent of any column names: the engine network with its weights and, when it
/// was trained in this process, its training history. Use it to encode or reconstruct arrays directly.
/// </summary>
public sealed class AutoencoderModel
{
    internal AutoencoderModel(AutoencoderNetwork network, TrainingHistory? history, LossKind? loss = null)
    {
        Network = network;
        TrainingHistory = history;
        Loss = loss;
        // A VAE scores the negative ELBO from the same forward pass as everything else, which needs its moments (and
        // logits) node kept written; making the view now sets that once, before any scorer runs the network.
        if (VariationalAutoencoder.IsVariational(network)) _variational = new VariationalAutoencoder(network, loss ?? DefaultLikelihood(network));
    }

    private readonly VariationalAutoencoder? _variational;

    /// <summary>The reconstruction loss the model was trained with; null for a model saved before the library recorded it.</summary>
    public LossKind? Loss { get; }

    /// <summary>True when the model is a variational autoencoder (its code is a Gaussian latent).</summary>
    public bool IsVariational => _variational != null;

    /// <summary>
    /// The model as a variational autoencoder: negative ELBO scores, samples from the prior, decoding of latent points and
    /// interpolation. Throws <see cref="InvalidOperationException"/> for any other kind.
    /// </summary>
    public VariationalAutoencoder Variational => _variational
        ?? throw new InvalidOperationException("This model is not a variational autoencoder: train it with mlContext.Transforms.VariationalAutoencoder.");

    /// <summary>The negative ELBO of each of <paramref name="rows"/> rows in nats, decoding the latent mean (deterministic).</summary>
    public float[] NegativeElbos(ReadOnlySpan<float> inputs, int rows, int threads = 1)
    {
        CheckThreads(threads);
        var scores = new float[rows];
        Variational.NegativeElbo(inputs, rows, scores, [], [], samples: 0, random: null, threads);
        return scores;
    }

    /// <summary>For a VAE whose file does not say its loss: a sigmoid output means data in [0, 1] and a Bernoulli likelihood.</summary>
    private static LossKind DefaultLikelihood(AutoencoderNetwork network) =>
        network.OutputActivation == Activation.Sigmoid ? LossKind.BinaryCrossEntropy : LossKind.MeanSquaredError;

    /// <summary>The engine network (layers and the one parameter buffer).</summary>
    public AutoencoderNetwork Network { get; }

    /// <summary>The per-epoch record of training; null for a model loaded from a file.</summary>
    public TrainingHistory? TrainingHistory { get; }

    /// <summary>Values per input row.</summary>
    public int InputSize => Network.InputSize;

    /// <summary>Values per code row.</summary>
    public int CodeSize => Network.CodeSize;

    /// <summary>The layer widths from input to output, e.g. [784, 256, 64, 256, 784].</summary>
    public IReadOnlyList<int> LayerWidths =>
        [InputSize, .. Network.Spec.Layers.Where(l => !l.IsElementwise).Select(l => l.OutputShape!.Size)];

    /// <summary>The network as data: every layer's kind, hyperparameters, name and shapes (what the model file stores).</summary>
    public NetworkSpec Spec => Network.Spec;

    /// <summary>
    /// Reads an ONNX autoencoder made elsewhere into the engine as a trainable network: dense (Gemm, MatMul + Add),
    /// activation, convolution, pooling, upsampling, batch-norm and reshape layers, with the graph's weights. Fine-tune it by
    /// passing it as <see cref="AutoencoderOptions.InitialModel"/>, and export it again like any trained model. A graph
    /// with other operators throws <see cref="NotSupportedException"/> naming them (it can still be scored as it is with
    /// <c>mlContext.Transforms.OnnxAutoencoder</c>). A file this library wrote with SaveAsOnnx is read back with
    /// <see cref="AutoencoderTransformer.LoadOnnx"/> instead (its error output has no layer here; the refusal says so).
    /// </summary>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="codeTensorName">The graph tensor that is the code; null to take the graph's code output if it has one
    /// besides the reconstruction, else the narrowest layer's output.</param>
    public static AutoencoderModel ImportOnnx(string modelPath, string? codeTensorName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        return ImportOnnx(File.ReadAllBytes(modelPath), codeTensorName);
    }

    /// <summary>Reads an ONNX autoencoder from its bytes into the engine (see the overload that takes a path).</summary>
    /// <param name="onnx">The .onnx file's bytes.</param>
    /// <param name="codeTensorName">The graph tensor that is the code, or null to choose it as the path overload says.</param>
    public static AutoencoderModel ImportOnnx(byte[] onnx, string? codeTensorName = null)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        return new AutoencoderModel(OnnxNetworkImporter.Import(onnx, codeTensorName), history: null);
    }

    /// <summary>Encodes <paramref name="rows"/> rows of <paramref name="inputs"/> ([rows, InputSize]) into codes ([rows, CodeSize]).</summary>
    public float[] Encode(ReadOnlySpan<float> inputs, int rows, int threads = 1) => Run(inputs, rows, threads, reconstruct: false);

    /// <summary>Reconstructs <paramref name="rows"/> rows of <paramref name="inputs"/> ([rows, InputSize]).</summary>
    public float[] Reconstruct(ReadOnlySpan<float> inputs, int rows, int threads = 1) => Run(inputs, rows, threads, reconstruct: true);

    /// <summary>The mean squared reconstruction error of each of <paramref name="rows"/> rows.</summary>
    public float[] ReconstructionErrors(ReadOnlySpan<float> inputs, int rows, int threads = 1)
    {
        float[] reconstruction = Reconstruct(inputs, rows, threads);
        var errors = new float[rows];
        for (int r = 0; r < rows; r++)
            errors[r] = ReconstructionError.MeanSquared(inputs.Slice(r * InputSize, InputSize), reconstruction.AsSpan(r * InputSize, InputSize));
        return errors;
    }

    /// <summary>A thread count below 1 would otherwise surface from deep in a kernel as a bare range error.</summary>
    private static void CheckThreads(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be at least 1.");
    }

    private float[] Run(ReadOnlySpan<float> inputs, int rows, int threads, bool reconstruct)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows is the number of rows in inputs and cannot be negative.");
        if (inputs.Length < (long)rows * InputSize)
            throw new ArgumentException($"Expected {rows} rows of {InputSize} values but got {inputs.Length} values.", nameof(inputs));
        CheckThreads(threads);
        int width = reconstruct ? InputSize : CodeSize;
        var result = new float[rows * width];
        const int MaxBatch = 1024;
        var cache = Network.CreateCache(Math.Clamp(rows, 1, MaxBatch));
        var context = LayerContext.Inference(threads);
        for (int start = 0; start < rows; start += MaxBatch)
        {
            int batch = Math.Min(MaxBatch, rows - start);
            ReadOnlySpan<float> batchInputs = inputs.Slice(start * InputSize, batch * InputSize);
            if (reconstruct)
            {
                // Straight from the caller's rows into the result: no staging copies.
                Network.Reconstruct(cache, batchInputs, result.AsSpan(start * width, batch * width), batch, context);
            }
            else
            {
                batchInputs.CopyTo(Network.Input(cache, batch));
                Network.Encode(cache, batch, context);
                Network.Code(cache, batch).CopyTo(result.AsSpan(start * width));
            }
        }
        return result;
    }
}
