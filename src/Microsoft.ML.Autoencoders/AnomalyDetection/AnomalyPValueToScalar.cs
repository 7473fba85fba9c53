using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Unwraps the head's one-element p-value output into a Single column, as <see cref="AnomalyOutputsToScalars"/> does for
/// the score and decision. A separate mapping so that models saved before p-values existed keep loading unchanged.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class AnomalyPValueToScalar : CustomMappingFactory<AnomalyPValueToScalar.Input, AnomalyPValueToScalar.Output>
{
    /// <summary>The name ML.NET stores in a saved model to find this mapping again.</summary>
    public const string ContractName = "Microsoft.ML.Autoencoders.AnomalyPValueToScalar";

    /// <summary>The reserved scalar p-value column, copied to the user's name afterwards.</summary>
    public const string PValueColumn = AnomalyColumns.ReservedPrefix + "p_value";

    /// <summary>The mapping's input row: the head's p-value output.</summary>
    public sealed class Input
    {
        /// <summary>The one-element p-value vector.</summary>
        [ColumnName(AnomalyHeadOnnx.PValueVector), VectorType(1)]
        public float[] PValue { get; set; } = [];
    }

    /// <summary>The mapping's output row.</summary>
    public sealed class Output
    {
        /// <summary>The p-value as a scalar.</summary>
        [ColumnName(PValueColumn)]
        public float PValue { get; set; }
    }

    /// <inheritdoc/>
    public override Action<Input, Output> GetMapping() => static (input, output) => output.PValue = input.PValue[0];
}
