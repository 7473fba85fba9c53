using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// Turns the ONNX graph's one-element error vector into the Single column users expect. ONNX Runtime's rank-0
/// outputs cannot be read through ML.NET's OnnxTransformer (see MLNET-NOTES), so the graph emits shape [1] and this
/// stateless mapping, saved by contract name, unwraps it. Internal: ML.NET finds it by its attribute and creates it by reflection, which needs no public type.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class ErrorVectorToScalar : CustomMappingFactory<ErrorVectorToScalar.Input, ErrorVectorToScalar.Output>
{
    /// <summary>The name ML.NET stores in a saved model to find this mapping again.</summary>
    public const string ContractName = "Microsoft.ML.Autoencoders.ErrorVectorToScalar";

    /// <summary>The reserved column the ONNX graph writes the error vector to.</summary>
    public const string VectorColumn = "__autoencoder_error_vector";

    /// <summary>The reserved column the scalar error is written to before it is copied to the user's name.</summary>
    public const string ScalarColumn = "__autoencoder_error";

    /// <summary>The mapping's input row.</summary>
    public sealed class Input
    {
        /// <summary>The one-element error vector.</summary>
        [ColumnName(VectorColumn), VectorType(1)]
        public float[] Error { get; set; } = [];
    }

    /// <summary>The mapping's output row.</summary>
    public sealed class Output
    {
        /// <summary>The error as a scalar.</summary>
        [ColumnName(ScalarColumn)]
        public float Error { get; set; }
    }

    /// <inheritdoc/>
    public override Action<Input, Output> GetMapping() => static (input, output) => output.Error = input.Error[0];
}
