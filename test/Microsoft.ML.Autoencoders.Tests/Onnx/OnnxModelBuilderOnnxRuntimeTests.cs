using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Autoencoders.Tests.Onnx;

/// <summary>
/// Runs models written by <see cref="Autoencoders.Onnx.OnnxModelBuilder"/> in ONNX Runtime and holds
/// the results to a plain C# computation of the same network.
/// </summary>
public sealed class OnnxModelBuilderOnnxRuntimeTests
{
    private const float Tolerance = 1e-5f;

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void BatchedGraphMatchesReferenceComputation(int rowCount)
    {
        var model = new TwoLayerMlpModel(seed: 11);
        byte[] bytes = model.CreateBuilder(batched: true).ToByteArray();
        float[] inputs = TwoLayerMlpModel.RandomValues(new Random(rowCount), rowCount * TwoLayerMlpModel.InputSize);

        using var session = new InferenceSession(bytes);
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, [rowCount, TwoLayerMlpModel.InputSize]);
        using var outputs = session.Run(new RunOptions(), [TwoLayerMlpModel.InputName], [input],
            [TwoLayerMlpModel.ReconstructionName, TwoLayerMlpModel.ErrorName]);

        Assert.Equal([rowCount, TwoLayerMlpModel.InputSize], outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Equal([rowCount, 1L], outputs[1].GetTensorTypeAndShape().Shape);
        ReadOnlySpan<float> reconstructions = outputs[0].GetTensorDataAsSpan<float>();
        ReadOnlySpan<float> errors = outputs[1].GetTensorDataAsSpan<float>();
        for (int row = 0; row < rowCount; row++)
        {
            var (expectedReconstruction, expectedError) =
                model.Compute(inputs.AsSpan(row * TwoLayerMlpModel.InputSize, TwoLayerMlpModel.InputSize));
            AssertClose(expectedReconstruction, reconstructions.Slice(row * TwoLayerMlpModel.InputSize, TwoLayerMlpModel.InputSize));
            Assert.Equal(expectedError, errors[row], Tolerance);
        }
    }

    [Fact]
    public void RankOneGraphMatchesReferenceComputation()
    {
        // ML.NET's OnnxTransformer feeds one row at a time as a rank-1 [d] tensor: MatMul of a vector
        // by a matrix gives a vector, and ReduceMean with keepdims gives shape [1].
        var model = new TwoLayerMlpModel(seed: 5);
        byte[] bytes = model.CreateBuilder(batched: false).ToByteArray();
        using var session = new InferenceSession(bytes);

        var random = new Random(3);
        for (int trial = 0; trial < 10; trial++)
        {
            float[] row = TwoLayerMlpModel.RandomValues(random, TwoLayerMlpModel.InputSize);
            using var input = OrtValue.CreateTensorValueFromMemory(row, [TwoLayerMlpModel.InputSize]);
            using var outputs = session.Run(new RunOptions(), [TwoLayerMlpModel.InputName], [input],
                [TwoLayerMlpModel.ReconstructionName, TwoLayerMlpModel.ErrorName]);

            Assert.Equal([TwoLayerMlpModel.InputSize], outputs[0].GetTensorTypeAndShape().Shape);
            Assert.Equal([1L], outputs[1].GetTensorTypeAndShape().Shape);
            var (expectedReconstruction, expectedError) = model.Compute(row);
            AssertClose(expectedReconstruction, outputs[0].GetTensorDataAsSpan<float>());
            Assert.Equal(expectedError, outputs[1].GetTensorDataAsSpan<float>()[0], Tolerance);
        }
    }

    [Fact]
    public void OnnxRuntimeSeesDeclaredInputsOutputsAndMetadata()
    {
        byte[] bytes = new TwoLayerMlpModel(seed: 1).CreateBuilder(batched: true).ToByteArray();
        using var session = new InferenceSession(bytes);

        NodeMetadata input = session.InputMetadata[TwoLayerMlpModel.InputName];
        Assert.Equal(typeof(float), input.ElementType);
        Assert.Equal([-1, TwoLayerMlpModel.InputSize], input.Dimensions);
        Assert.Equal("N", input.SymbolicDimensions[0]);
        Assert.Equal([-1, 1], session.OutputMetadata[TwoLayerMlpModel.ErrorName].Dimensions);
        Assert.Equal("test-mlp", session.ModelMetadata.CustomMetadataMap["model.kind"]);
        Assert.Equal("Microsoft.ML.Autoencoders", session.ModelMetadata.ProducerName);
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], Tolerance);
    }
}
