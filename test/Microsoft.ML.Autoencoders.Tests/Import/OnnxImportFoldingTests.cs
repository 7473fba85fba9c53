using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// Each graph form exporters write that the importer folds or rewrites, built here node by node: the engine network it
/// gives scores as ONNX Runtime scores the same bytes, and the forms it cannot take are refused with a message naming why.
/// </summary>
public sealed class OnnxImportFoldingTests
{
    private const int Rows = 5;

    [Theory]
    [InlineData(13)] // Unsqueeze's axes are an input from opset 13
    [InlineData(11)] // and an attribute before it
    public void ShapeGatherUnsqueezeConcatReshapeFoldsToAFlatten(int opset)
    {
        var g = new OnnxModelBuilder(opsetVersion: opset).AddInput("x", [-1, 2, 3, 3]).AddOutput("y", [-1, 2, 3, 3]);
        g.AddInt64Initializer("zero", [], [0]).AddInt64Initializer("rest", [1], [-1]).AddInt64Initializer("image", [4], [-1, 2, 3, 3]);
        g.AddNode("Shape", ["x"], ["shape"]).AddNode("Gather", ["shape", "zero"], ["batch"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        if (opset >= 13) g.AddInt64Initializer("axes", [1], [0]).AddNode("Unsqueeze", ["batch", "axes"], ["batch1"]);
        else g.AddNode("Unsqueeze", ["batch"], ["batch1"], attributes: [OnnxAttribute.FromInts("axes", 0)]);
        g.AddNode("Concat", ["batch1", "rest"], ["target"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        g.AddNode("Reshape", ["x", "target"], ["flat"]);
        AddDense(g, "flat", "code", 18, 4, "Relu");
        AddDense(g, "code", "wide", 4, 18, "Sigmoid");
        g.AddNode("Reshape", ["wide", "image"], ["y"]);

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), 18);

        Assert.Equal(["flatten", "dense", "activation"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(["dense", "activation", "reshape"], model.Spec.Decoder.Select(l => l.Kind));
        Assert.Equal(4, model.CodeSize);
    }

    [Fact]
    public void ShapeSliceWithStartAndEndFoldsToTheBatchEntry()
    {
        // x.reshape(x.shape[:1] + (-1,)) at opset 15, where Shape has start and end, and Slice takes inputs.
        var g = new OnnxModelBuilder(opsetVersion: 15).AddInput("x", [-1, 2, 3, 3]).AddOutput("y", [-1, 2, 3, 3]);
        g.AddInt64Initializer("starts", [1], [0]).AddInt64Initializer("ends", [1], [1]).AddInt64Initializer("rest", [1], [-1]);
        g.AddInt64Initializer("image", [4], [0, 2, 3, 3]); // 0 keeps the batch
        g.AddNode("Shape", ["x"], ["shape"], attributes: [OnnxAttribute.FromInt("start", 0), OnnxAttribute.FromInt("end", 3)]);
        g.AddNode("Slice", ["shape", "starts", "ends"], ["batch"]);
        g.AddNode("Concat", ["batch", "rest"], ["target"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        g.AddNode("Reshape", ["x", "target"], ["flat"]);
        AddDense(g, "flat", "code", 18, 3, "Tanh");
        AddDense(g, "code", "wide", 3, 18, "Sigmoid");
        g.AddNode("Reshape", ["wide", "image"], ["y"]);

        AssertScoresAsOnnxRuntime(g.ToByteArray(), 18);
    }

    [Theory]
    [InlineData(13)] // Squeeze's axes are an input from opset 13
    [InlineData(11)] // and an attribute before it
    public void SqueezeOfAGatheredBatchFolds(int opset)
    {
        // Gather with a 1-D index gives [N]; Squeeze takes it to the scalar N, Unsqueeze back to [N], as exporters chain them.
        var g = new OnnxModelBuilder(opsetVersion: opset).AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        g.AddInt64Initializer("zero", [1], [0]).AddInt64Initializer("pair", [2], [3, 2]).AddInt64Initializer("flat", [2], [0, 6]);
        g.AddNode("Shape", ["x"], ["shape"]).AddNode("Gather", ["shape", "zero"], ["batch"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        if (opset >= 13) g.AddInt64Initializer("axes", [1], [0]).AddNode("Squeeze", ["batch", "axes"], ["n"]).AddNode("Unsqueeze", ["n", "axes"], ["batch1"]);
        else g.AddNode("Squeeze", ["batch"], ["n"], attributes: [OnnxAttribute.FromInts("axes", 0)])
                .AddNode("Unsqueeze", ["n"], ["batch1"], attributes: [OnnxAttribute.FromInts("axes", 0)]);
        g.AddNode("Concat", ["batch1", "pair"], ["target"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        AddDense(g, "x", "h", 6, 6, "Relu");
        g.AddNode("Reshape", ["h", "target"], ["grid"]).AddNode("Reshape", ["grid", "flat"], ["flat_again"]);
        AddDense(g, "flat_again", "code", 6, 2, "Relu");
        AddDense(g, "code", "y", 2, 6, "Sigmoid");

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), 6);

        Assert.Equal(["dense", "activation", "reshape", "flatten", "dense", "activation"], model.Spec.Encoder.Select(l => l.Kind));
    }

    [Fact]
    public void ShapeOfAConstantIsAConstant()
    {
        // y.view(-1, *template.shape[1:]) with a constant template: Shape(template, start=1) never reads the chain.
        var g = new OnnxModelBuilder(opsetVersion: 15).AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        g.AddInitializer("template", [1, 2, 3], new float[6]).AddInt64Initializer("any", [1], [-1]).AddInt64Initializer("flat", [2], [-1, 6]);
        g.AddNode("Shape", ["template"], ["grid_shape"], attributes: [OnnxAttribute.FromInt("start", 1)]);
        g.AddNode("Concat", ["any", "grid_shape"], ["target"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        AddDense(g, "x", "code", 6, 2, "Relu");
        AddDense(g, "code", "h", 2, 6, "Sigmoid");
        g.AddNode("Reshape", ["h", "target"], ["grid"]).AddNode("Reshape", ["grid", "flat"], ["y"]);

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), 6);

        Assert.Equal([2, 3], model.Spec.Decoder[2].OutputShape!.Dimensions);
    }

    [Fact]
    public void ResizeToSizesWorkedOutFromTheShapeFolds()
    {
        // F.interpolate(x, size=(4, 4)) with a dynamic batch: sizes = Concat(Slice(Shape(x), 0, 2), [4, 4]).
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, 1, 4, 4]).AddOutput("y", [-1, 1, 4, 4]);
        g.AddInitializer("k", [2, 1, 2, 2], Values(8, 3)).AddInitializer("kb", [2], [0.1f, -0.1f]);
        g.AddNode("Conv", ["x", "k", "kb"], ["c"], attributes: [OnnxAttribute.FromInts("strides", 2, 2)]);
        g.AddNode("Relu", ["c"], ["code"]);
        g.AddInt64Initializer("starts", [1], [0]).AddInt64Initializer("ends", [1], [2]).AddInt64Initializer("hw", [2], [4, 4]);
        g.AddNode("Shape", ["code"], ["shape"]).AddNode("Slice", ["shape", "starts", "ends"], ["nc"]);
        g.AddNode("Concat", ["nc", "hw"], ["sizes"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        g.AddNode("Resize", ["code", "", "", "sizes"], ["up"], attributes:
            [OnnxAttribute.FromString("mode", "nearest"), OnnxAttribute.FromString("coordinate_transformation_mode", "asymmetric"), OnnxAttribute.FromString("nearest_mode", "floor")]);
        g.AddInitializer("k2", [1, 2, 1, 1], [0.7f, -0.4f]).AddNode("Conv", ["up", "k2"], ["y"]);

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), 16);

        Assert.Contains(model.Spec.Decoder, l => l.Kind == "upsample2d");
    }

    [Fact]
    public void ResizeToSizesThatChangeTheChannelsIsRefused()
    {
        // sizes is [N, C, H, W]; an entry for C other than the channels cannot be an upsampling of the image.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, 1, 4, 4]).AddOutput("y", [-1, 1, 4, 4]);
        g.AddInitializer("k", [2, 1, 2, 2], Values(8, 3)).AddNode("Conv", ["x", "k"], ["code"], attributes: [OnnxAttribute.FromInts("strides", 2, 2)]);
        g.AddInt64Initializer("starts", [1], [0]).AddInt64Initializer("ends", [1], [1]).AddInt64Initializer("chw", [3], [1, 4, 4]);
        g.AddNode("Shape", ["code"], ["shape"]).AddNode("Slice", ["shape", "starts", "ends"], ["n"]);
        g.AddNode("Concat", ["n", "chw"], ["sizes"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        g.AddNode("Resize", ["code", "", "", "sizes"], ["y"], name: "to_one_channel", attributes: [OnnxAttribute.FromString("mode", "nearest")]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("'to_one_channel' (Resize): sizes [N, 1, 4, 4] must keep the batch and the 2 channels", e.Message);
    }

    [Theory]
    [InlineData("Unsqueeze", "names an axis twice")]
    [InlineData("Squeeze", "squeezes an axis whose size is not 1")]
    public void AShapeVectorReshapedAgainstTheSpecIsRefusedNamingTheNode(string op, string expected)
    {
        // Unsqueeze with axes [0, 0], or Squeeze of the 2-long shape vector's only axis: both invalid ONNX, refused by name.
        var g = new OnnxModelBuilder(opsetVersion: 11).AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        g.AddInt64Initializer("pair", [2], [3, 2]);
        g.AddNode(op, ["pair"], ["bad"], name: "bad_axes", attributes: [op == "Unsqueeze" ? OnnxAttribute.FromInts("axes", 0, 0) : OnnxAttribute.FromInts("axes", 0)]);
        g.AddNode("Reshape", ["x", "bad"], ["grid"]).AddNode("Flatten", ["grid"], ["flat"]);
        AddDense(g, "flat", "code", 6, 2, "Relu");
        AddDense(g, "code", "y", 2, 6, "Sigmoid");

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("'bad_axes' (" + op + ") " + expected, e.Message);
    }

    [Fact]
    public void GatherOnTheLastAxisOfAShapeVectorFolds()
    {
        // axis = -1 is axis 0 of a 1-D shape vector.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        g.AddInt64Initializer("zero", [1], [0]).AddInt64Initializer("pair", [2], [3, 2]).AddInt64Initializer("flat", [2], [0, 6]);
        g.AddNode("Shape", ["x"], ["shape"]).AddNode("Gather", ["shape", "zero"], ["batch"], attributes: [OnnxAttribute.FromInt("axis", -1)]);
        g.AddNode("Concat", ["batch", "pair"], ["target"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        AddDense(g, "x", "h", 6, 6, "Relu");
        g.AddNode("Reshape", ["h", "target"], ["grid"]).AddNode("Reshape", ["grid", "flat"], ["flat_again"]);
        AddDense(g, "flat_again", "code", 6, 2, "Relu");
        AddDense(g, "code", "y", 2, 6, "Sigmoid");

        AssertScoresAsOnnxRuntime(g.ToByteArray(), 6);
    }

    [Theory]
    [InlineData("Transpose")] // F.linear(code, self.encoder.weight.t()): the decoder's weights are the encoder's, transposed
    [InlineData("Identity")]  // a weight shared by name, as exporters write a parameter used twice
    public void AWeightReadThroughTransposeOrIdentityIsAConstant(string op)
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        g.AddInitializer("w", [6, 3], Values(18, 4)).AddInitializer("b", [3], Values(3, 5)).AddInitializer("c", [6], Values(6, 6));
        g.AddNode("MatMul", ["x", "w"], ["xw"]).AddNode("Add", ["xw", "b"], ["pre"]).AddNode("Relu", ["pre"], ["code"]);
        if (op == "Transpose") g.AddNode("Transpose", ["w"], ["w_tied"], attributes: [OnnxAttribute.FromInts("perm", 1, 0)]);
        else g.AddInitializer("v", [3, 6], Values(18, 7)).AddNode("Identity", ["v"], ["w_tied"]);
        g.AddNode("MatMul", ["code", "w_tied"], ["cw"]).AddNode("Add", ["cw", "c"], ["out"]).AddNode("Sigmoid", ["out"], ["y"]);

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), 6);

        Assert.Equal(3, model.CodeSize);
    }

    [Fact]
    public void ArithmeticOnTheBatchSizeThatNoLayerReadsIsNoObstacle()
    {
        // A side computation with the batch size (here an unused output of the graph's shape logic) stops nothing.
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        g.AddInt64Initializer("zero", [1], [0]).AddInt64Initializer("two", [1], [2]);
        g.AddNode("Shape", ["x"], ["shape"]).AddNode("Gather", ["shape", "zero"], ["batch"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        g.AddNode("Mul", ["batch", "two"], ["doubled"]);
        AddDense(g, "x", "code", 6, 2, "Relu");
        AddDense(g, "code", "y", 2, 6, "Sigmoid");

        AssertScoresAsOnnxRuntime(g.ToByteArray(), 6);
    }

    [Fact]
    public void ArithmeticOnTheBatchSizeIsRefusedNamingTheNode()
    {
        var g = new OnnxModelBuilder().AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        g.AddInt64Initializer("zero", [1], [0]).AddInt64Initializer("two", [1], [2]).AddInt64Initializer("rest", [1], [-1]);
        g.AddNode("Shape", ["x"], ["shape"]).AddNode("Gather", ["shape", "zero"], ["batch"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        g.AddNode("Mul", ["batch", "two"], ["doubled"], name: "double_the_batch");
        g.AddNode("Concat", ["doubled", "rest"], ["target"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        g.AddNode("Reshape", ["x", "target"], ["half"]);
        AddDense(g, "half", "code", 3, 2, "Relu");
        AddDense(g, "code", "y", 2, 6, "Sigmoid");

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("'double_the_batch' (Mul) computes with the batch size", e.Message);
    }

    [Fact]
    public void BatchSizeMovedIntoARowIsRefused()
    {
        var g = new OnnxModelBuilder().AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        g.AddInt64Initializer("zero", [1], [0]).AddInt64Initializer("first", [1], [1]);
        g.AddNode("Shape", ["x"], ["shape"]).AddNode("Gather", ["shape", "zero"], ["batch"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        g.AddNode("Concat", ["first", "batch"], ["target"], attributes: [OnnxAttribute.FromInt("axis", 0)]);
        g.AddNode("Reshape", ["x", "target"], ["y"], name: "swap");

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("'swap' (Reshape): shape [1, N] moves the batch size into a row", e.Message);
    }

    [Fact]
    public void ShapeOperatorOnTheRowsIsRefusedAsNoLayer()
    {
        var g = new OnnxModelBuilder().AddInput("x", [-1, 6]).AddOutput("y", [-1, 3]);
        g.AddInt64Initializer("columns", [3], [0, 2, 4]);
        AddDense(g, "x", "h", 6, 6, "Relu");
        g.AddNode("Gather", ["h", "columns"], ["y"], name: "pick_columns", attributes: [OnnxAttribute.FromInt("axis", 1)]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("'pick_columns' (Gather) computes on the rows themselves", e.Message);
        Assert.Contains("mlContext.Transforms.OnnxAutoencoder", e.Message);
    }

    [Fact]
    public void GemmAlphaAndBetaScaleTheWeightsAndBias()
    {
        var g = new OnnxModelBuilder().AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        AddDense(g, "x", "code", 6, 3, "Relu", alpha: 0.5f, beta: 2f);
        AddDense(g, "code", "y", 3, 6, "Sigmoid", alpha: -1.5f, beta: 0f);

        AssertScoresAsOnnxRuntime(g.ToByteArray(), 6);
    }

    [Fact]
    public void GemmWithTransposedInputIsRefused()
    {
        var g = new OnnxModelBuilder().AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        g.AddInitializer("w", [6, 6], Values(36, 1));
        g.AddNode("Gemm", ["x", "w"], ["y"], name: "gemm_ta", attributes: [OnnxAttribute.FromInt("transA", 1)]);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(g.ToByteArray()));

        Assert.Contains("'gemm_ta' (Gemm): transA = 1", e.Message);
    }

    [Fact]
    public void BatchNormalizationOverFeaturesImportsAndTrains()
    {
        // PyTorch's Linear → BatchNorm1d → Tanh: BatchNormalization on [N, C].
        var g = new OnnxModelBuilder().AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        AddDense(g, "x", "h", 6, 4, null);
        g.AddInitializer("scale", [4], [0.5f, 1.5f, 1f, 2f]).AddInitializer("shift", [4], [0.1f, -0.2f, 0.3f, 0f])
            .AddInitializer("mean", [4], [0.2f, -0.1f, 0.4f, 0f]).AddInitializer("var", [4], [0.5f, 2f, 1f, 1.5f]);
        g.AddNode("BatchNormalization", ["h", "scale", "shift", "mean", "var"], ["normalized"]);
        g.AddNode("Tanh", ["normalized"], ["code"]);
        AddDense(g, "code", "y", 4, 6, "Sigmoid");

        var model = AssertScoresAsOnnxRuntime(g.ToByteArray(), 6);

        Assert.Equal(["dense", "reshape", "batch_norm2d", "flatten", "activation"], model.Spec.Encoder.Select(l => l.Kind));
        Assert.Equal(4, model.CodeSize);
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 16).Select(r => Values(6, r + 10)).ToList();
        var tuned = ml.Transforms.Autoencoder(new AutoencoderOptions { InitialModel = model, Epochs = 3, BatchSize = 4, NumberOfThreads = 1 })
            .Fit(ImportData.Of(ml, rows, 6));
        Assert.All(tuned.Model.TrainingHistory!.Epochs, e => Assert.True(double.IsFinite(e.TrainingLoss)));
    }

    [Fact]
    public void ResizeOfOpset10ReadsItsScalesFromTheSecondInput()
    {
        var g = new OnnxModelBuilder(opsetVersion: 10).AddInput("x", [-1, 1, 4, 4]).AddOutput("y", [-1, 1, 4, 4]);
        g.AddInitializer("k", [2, 1, 2, 2], Values(8, 3)).AddInitializer("kb", [2], [0.1f, -0.1f]);
        g.AddNode("Conv", ["x", "k", "kb"], ["c"], attributes: [OnnxAttribute.FromInts("strides", 2, 2)]);
        g.AddNode("Relu", ["c"], ["code"]);
        g.AddInitializer("scales", [4], [1, 1, 2, 2]).AddNode("Resize", ["code", "scales"], ["up"], attributes: [OnnxAttribute.FromString("mode", "nearest")]);
        g.AddInitializer("k2", [1, 2, 1, 1], [0.7f, -0.4f]).AddNode("Conv", ["up", "k2"], ["y"]);

        AssertScoresAsOnnxRuntime(g.ToByteArray(), 16);
    }

    [Fact]
    public void ConstantOfShapeFoldsIntoTheBiasItIsAddedTo()
    {
        var g = new OnnxModelBuilder().AddInput("x", [-1, 6]).AddOutput("y", [-1, 6]);
        g.AddInt64Initializer("units", [1], [3]);
        g.AddNode("ConstantOfShape", ["units"], ["zeros"]);
        AddDense(g, "x", "h", 6, 3, null);
        g.AddNode("Add", ["h", "zeros"], ["shifted"]).AddNode("Relu", ["shifted"], ["code"]);
        AddDense(g, "code", "y", 3, 6, "Sigmoid");

        AssertScoresAsOnnxRuntime(g.ToByteArray(), 6);
    }

    private static AutoencoderModel AssertScoresAsOnnxRuntime(byte[] onnx, int width)
    {
        var model = AutoencoderModel.ImportOnnx(onnx);
        using var runtime = OnnxAutoencoderModel.Load(onnx, "x", "y");
        float[] rows = [.. Enumerable.Range(0, Rows).SelectMany(r => Values(width, r))];
        ColumnValues.AssertClose(runtime.Reconstruct(rows, Rows), model.Reconstruct(rows, Rows), "engine vs ONNX Runtime");
        return model;
    }

    private static void AddDense(OnnxModelBuilder g, string x, string y, int inputs, int units, string? activation, float alpha = 1f, float beta = 1f)
    {
        g.AddInitializer(y + "_w", [units, inputs], Values(units * inputs, inputs + units)).AddInitializer(y + "_b", [units], Values(units, units));
        string gemm = activation is null ? y : y + "_pre";
        g.AddNode("Gemm", [x, y + "_w", y + "_b"], [gemm], attributes:
            [OnnxAttribute.FromInt("transB", 1), OnnxAttribute.FromFloat("alpha", alpha), OnnxAttribute.FromFloat("beta", beta)]);
        if (activation != null) g.AddNode(activation, [gemm], [y]);
    }

    /// <summary>Fixed, varied values in about [-1, 1] (no random draw, so a failure reproduces).</summary>
    private static float[] Values(int count, int seed) => [.. Enumerable.Range(0, count).Select(i => MathF.Sin(1.7f * i + 0.9f * seed))];
}
