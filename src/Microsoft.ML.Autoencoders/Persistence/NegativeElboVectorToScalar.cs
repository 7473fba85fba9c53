using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// The negative ELBO's one-element ONNX output as a Single column, for the same reason and in the same way as
/// <see cref="ErrorVectorToScalar"/> does for the reconstruction error; a contract of its own, since a saved chain may
/// hold both with different column names.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class NegativeElboVectorToScalar : CustomMappingFactory<NegativeElboVectorToScalar.Input, NegativeElboVectorToScalar.Output>
{
    /// <summary>The name ML.NET stores in a saved model to find this mapping again.</summary>
    public const string ContractName = "Microsoft.ML.Autoencoders.NegativeElboVectorToScalar";

    /// <summary>The reserved column the ONNX graph writes the score vector to.</summary>
    public const string VectorColumn = "__autoencoder_negative_elbo_vector";

    /// <summary>The reserved column the scalar is written to before it is copied to the user's name.</summary>
    public const string ScalarColumn = "__autoencoder_negative_elbo";

    /// <summary>The mapping's input row.</summary>
    public sealed class Input
    {
        /// <summary>The one-element score vector.</summary>
        [ColumnName(VectorColumn), VectorType(1)]
        public float[] NegativeElbo { get; set; } = [];
    }

    /// <summary>The mapping's output row.</summary>
    public sealed class Output
    {
        /// <summary>The score as a scalar.</summary>
        [ColumnName(ScalarColumn)]
        public float NegativeElbo { get; set; }
    }

    /// <inheritdoc/>
    public override Action<Input, Output> GetMapping() => static (input, output) => output.NegativeElbo = input.NegativeElbo[0];
}
