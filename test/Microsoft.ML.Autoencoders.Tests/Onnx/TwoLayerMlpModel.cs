using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Tests.Onnx;

/// <summary>
/// A small autoencoder-shaped network used by the ONNX tests, written both as an ONNX graph (through
/// <see cref="OnnxModelBuilder"/>) and as plain C# loops, so the two can be compared:
/// x[5] → MatMul W1[5,3] → Add b1 → Relu → MatMul W2[3,5] → Add b2 → Sigmoid = reconstruction,
/// and the per-row mean squared error between reconstruction and x as a second output.
/// </summary>
internal sealed class TwoLayerMlpModel
{
    public const int InputSize = 5;
    public const int HiddenSize = 3;
    public const string InputName = "features";
    public const string ReconstructionName = "reconstruction";
    public const string ErrorName = "reconstruction_error";

    public TwoLayerMlpModel(int seed)
    {
        var random = new Random(seed);
        W1 = RandomValues(random, InputSize * HiddenSize);
        B1 = RandomValues(random, HiddenSize);
        W2 = RandomValues(random, HiddenSize * InputSize);
        B2 = RandomValues(random, InputSize);
    }

    /// <summary>First layer weights, [InputSize, HiddenSize] row-major (the layout MatMul reads).</summary>
    public float[] W1 { get; }
    public float[] B1 { get; }
    /// <summary>Second layer weights, [HiddenSize, InputSize] row-major.</summary>
    public float[] W2 { get; }
    public float[] B2 { get; }

    /// <summary>
    /// The ONNX graph. <paramref name="batched"/> chooses the input shape: [N, 5] (a batch) or [5]
    /// (one row, as ML.NET's OnnxTransformer feeds it); the error output is then [N, 1] or [1].
    /// </summary>
    public OnnxModelBuilder CreateBuilder(bool batched)
    {
        int[] rowShape = batched ? [-1, InputSize] : [InputSize];
        int[] errorShape = batched ? [-1, 1] : [1];
        return new OnnxModelBuilder("two_layer_mlp")
            .AddInput(InputName, rowShape)
            .AddInitializer("W1", [InputSize, HiddenSize], W1)
            .AddInitializer("b1", [HiddenSize], B1)
            .AddInitializer("W2", [HiddenSize, InputSize], W2)
            .AddInitializer("b2", [InputSize], B2)
            .AddNode("MatMul", [InputName, "W1"], ["h1_linear"])
            .AddNode("Add", ["h1_linear", "b1"], ["h1_biased"])
            .AddNode("Relu", ["h1_biased"], ["h1"])
            .AddNode("MatMul", ["h1", "W2"], ["out_linear"])
            .AddNode("Add", ["out_linear", "b2"], ["out_biased"])
            .AddNode("Sigmoid", ["out_biased"], [ReconstructionName])
            .AddNode("Sub", [ReconstructionName, InputName], ["difference"])
            .AddNode("Mul", ["difference", "difference"], ["squared_difference"])
            .AddNode("ReduceMean", ["squared_difference"], [ErrorName], "row_mse",
                OnnxAttribute.FromInts("axes", -1), OnnxAttribute.FromInt("keepdims", 1))
            .AddOutput(ReconstructionName, rowShape)
            .AddOutput(ErrorName, errorShape)
            .SetMetadata("model.kind", "test-mlp");
    }

    /// <summary>The reference computation for one row: reconstruction and its mean squared error.</summary>
    public (float[] Reconstruction, float Error) Compute(ReadOnlySpan<float> x)
    {
        var hidden = new float[HiddenSize];
        for (int j = 0; j < HiddenSize; j++)
        {
            float sum = B1[j];
            for (int i = 0; i < InputSize; i++)
                sum += x[i] * W1[i * HiddenSize + j];
            hidden[j] = MathF.Max(0f, sum);
        }

        var reconstruction = new float[InputSize];
        double squaredError = 0;
        for (int j = 0; j < InputSize; j++)
        {
            float sum = B2[j];
            for (int i = 0; i < HiddenSize; i++)
                sum += hidden[i] * W2[i * InputSize + j];
            reconstruction[j] = 1f / (1f + MathF.Exp(-sum));
            double difference = reconstruction[j] - x[j];
            squaredError += difference * difference;
        }
        return (reconstruction, (float)(squaredError / InputSize));
    }

    public static float[] RandomValues(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
