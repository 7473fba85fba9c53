using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Variational;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// A variational model's negative ELBO per row as ONNX nodes, the score <see cref="VariationalAutoencoder.NegativeElboOfForwardPass"/>
/// computes: the KL term from the moments node, −½ Σ (1 + log σ² − μ² − σ²) with log σ² clipped as the sampling layer
/// clips it, plus the reconstruction term summed over the row from the decoder's output (or its logits), so the exported
/// graph scores like the engine. Output shape [N, 1] (or [1]), as the reconstruction error.
/// </summary>
internal static class NegativeElboOnnx
{
    /// <summary>
    /// Adds the nodes writing <paramref name="output"/> from the graph's <paramref name="input"/>, the moments tensor
    /// <paramref name="moments"/> and <paramref name="prediction"/> (the tensor the likelihood reads: the logits for binary
    /// cross-entropy after a sigmoid, else the reconstruction).
    /// </summary>
    public static void Write(OnnxModelBuilder builder, VariationalAutoencoder vae, string input, string moments, string prediction, string output)
    {
        int latent = vae.LatentSize;
        string T(string suffix) => "elbo." + suffix;
        void Node(string op, string[] inputs, string result, params OnnxAttribute[] attributes) => builder.AddNode(op, inputs, [T(result)], T(result) + "." + op, attributes);

        builder.AddInt64Initializer(T("axis"), [1], [-1]);
        builder.AddInt64Initializer(T("zero"), [1], [0]);
        builder.AddInt64Initializer(T("latent"), [1], [latent]);
        builder.AddInt64Initializer(T("twice_latent"), [1], [2 * latent]);
        builder.AddInitializer(T("log_variance_min"), [], [vae.Sampling.LogVarianceMin]);
        builder.AddInitializer(T("log_variance_max"), [], [vae.Sampling.LogVarianceMax]);
        builder.AddInitializer(T("one"), [], [1f]);
        builder.AddInitializer(T("minus_half"), [], [-0.5f]);

        // KL(N(μ, σ²) ‖ N(0, I)) = −½ Σ (1 + log σ² − μ² − σ²)
        Node("Slice", [moments, T("zero"), T("latent"), T("axis")], "mean");
        Node("Slice", [moments, T("latent"), T("twice_latent"), T("axis")], "log_variance_raw");
        Node("Clip", [T("log_variance_raw"), T("log_variance_min"), T("log_variance_max")], "log_variance");
        Node("Mul", [T("mean"), T("mean")], "mean_squared");
        Node("Exp", [T("log_variance")], "variance");
        Node("Add", [T("one"), T("log_variance")], "kl_a");
        Node("Sub", [T("kl_a"), T("mean_squared")], "kl_b");
        Node("Sub", [T("kl_b"), T("variance")], "kl_c");
        Node("ReduceSum", [T("kl_c"), T("axis")], "kl_sum", OnnxAttribute.FromInt("keepdims", 1));
        Node("Mul", [T("kl_sum"), T("minus_half")], "kl");

        // The reconstruction term, each loss summed over the row.
        switch (vae.Likelihood, vae.Network.OutputActivation)
        {
            case (LossKind.BinaryCrossEntropy, Engine.Activation.Sigmoid):
                // From the logits l: softplus(l) − x·l, exact where the sigmoid saturates.
                Node("Softplus", [prediction], "softplus");
                Node("Mul", [input, prediction], "input_times_logits");
                Node("Sub", [T("softplus"), T("input_times_logits")], "per_value");
                break;
            case (LossKind.BinaryCrossEntropy, _):
                // On probabilities clamped to [1e-7, 1 − 1e-7], as the engine's loss clamps them.
                builder.AddInitializer(T("p_min"), [], [1e-7f]);
                builder.AddInitializer(T("p_max"), [], [1 - 1e-7f]);
                Node("Clip", [prediction, T("p_min"), T("p_max")], "p");
                Node("Log", [T("p")], "log_p");
                Node("Sub", [T("one"), T("p")], "q");
                Node("Log", [T("q")], "log_q");
                Node("Sub", [T("one"), input], "one_minus_x");
                Node("Mul", [input, T("log_p")], "x_log_p");
                Node("Mul", [T("one_minus_x"), T("log_q")], "y_log_q");
                Node("Add", [T("x_log_p"), T("y_log_q")], "log_likelihood");
                Node("Neg", [T("log_likelihood")], "per_value");
                break;
            case (LossKind.MeanSquaredError, _):
                Node("Sub", [input, prediction], "difference");
                Node("Mul", [T("difference"), T("difference")], "per_value");
                break;
            case (LossKind.L1, _):
                Node("Sub", [input, prediction], "difference");
                Node("Abs", [T("difference")], "per_value");
                break;
            default:
                throw new NotSupportedException($"The {vae.Likelihood} likelihood has no ONNX form here.");
        }
        Node("ReduceSum", [T("per_value"), T("axis")], "reconstruction", OnnxAttribute.FromInt("keepdims", 1));
        builder.AddNode("Add", [T("reconstruction"), T("kl")], [output], T("negative_elbo.Add"));
    }
}
