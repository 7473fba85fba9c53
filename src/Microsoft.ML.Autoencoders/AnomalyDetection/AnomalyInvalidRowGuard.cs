using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Autoencoders;

/// <summary>The test for a row the detector cannot score, and the error <see cref="InvalidRowPolicy.Throw"/> raises.</summary>
internal static class AnomalyInvalidRows
{
    /// <summary>The first slot holding NaN or ±∞, or −1 when every value is finite.</summary>
    public static int FirstInvalidSlot(ReadOnlySpan<float> features)
    {
        for (int j = 0; j < features.Length; j++)
        {
            if (!float.IsFinite(features[j])) return j;
        }
        return -1;
    }

    /// <summary>Throws <see cref="AnomalyInvalidRowException"/> when <paramref name="features"/> holds a non-finite value.</summary>
    public static void Check(ReadOnlySpan<float> features, long rowIndex, string? columnName)
    {
        int slot = FirstInvalidSlot(features);
        if (slot >= 0) throw new AnomalyInvalidRowException(rowIndex, columnName, slot, features[slot]);
    }
}

/// <summary>
/// The saved form of <see cref="InvalidRowPolicy.Throw"/>: a stateful ML.NET custom mapping between the network graph
/// and the head graph that passes the error vector through and throws for a row with a non-finite feature. The head
/// reads the checked error, so reading any detector output of a row runs the check first. The state counts the rows
/// this cursor has checked, which is the row index the error names: ML.NET hands a mapping no row position.
/// </summary>
/// <remarks>
/// The factory is created by ML.NET with no arguments when a model is loaded, so it cannot know the user's feature
/// column: the chain copies it to <see cref="FeaturesColumn"/> first, and the error names no column (the typed loader's
/// engine path names it).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class AnomalyInvalidRowGuard : StatefulCustomMappingFactory<AnomalyInvalidRowGuard.Input, AnomalyInvalidRowGuard.Output, AnomalyInvalidRowGuard.RowCounter>
{
    /// <summary>The name ML.NET stores in a saved model to find this mapping again.</summary>
    public const string ContractName = "Microsoft.ML.Autoencoders.AnomalyInvalidRowGuard";

    /// <summary>The reserved copy of the feature column the guard reads.</summary>
    public const string FeaturesColumn = AnomalyColumns.ReservedPrefix + "guard_features";

    /// <summary>The checked error vector, the head's input.</summary>
    public const string CheckedErrorVector = AnomalyColumns.ReservedPrefix + "checked_error_vector";

    /// <summary>The mapping's input row.</summary>
    public sealed class Input
    {
        /// <summary>The row's features, whatever their number.</summary>
        [ColumnName(FeaturesColumn)]
        public float[] Features { get; set; } = [];

        /// <summary>The network graph's one-element error vector.</summary>
        [ColumnName(AnomalyHeadOnnx.ErrorVector), VectorType(1)]
        public float[] Error { get; set; } = [];
    }

    /// <summary>The mapping's output row.</summary>
    public sealed class Output
    {
        /// <summary>The error vector, unchanged.</summary>
        [ColumnName(CheckedErrorVector), VectorType(1)]
        public float[] Error { get; set; } = new float[1];
    }

    /// <summary>Per-cursor state: the rows checked so far.</summary>
    public sealed class RowCounter
    {
        /// <summary>Rows checked so far by this cursor.</summary>
        public long Rows { get; set; }
    }

    /// <inheritdoc/>
    public override Action<Input, Output, RowCounter> GetMapping() => static (input, output, counter) =>
    {
        long row = counter.Rows++;
        AnomalyInvalidRows.Check(input.Features, row, columnName: null);
        output.Error = [input.Error[0]];
    };

    /// <inheritdoc/>
    public override Action<RowCounter> GetStateInitAction() => static counter => counter.Rows = 0;
}
