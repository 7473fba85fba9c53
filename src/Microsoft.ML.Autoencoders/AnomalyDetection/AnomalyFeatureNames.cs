using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Which input column each feature slot came from, so an explanation can name columns rather than slot numbers. Read at
/// Fit from the feature column's SlotNames annotation, which ML.NET's <c>Concatenate</c> writes: a scalar column's slot is
/// named after the column ("Age"), a vector column's slots are "Column.slot" when the vector has slot names of its own
/// (a one-hot "Color" gives "Color.red"), and "" when it has none (ML.NET 6, checked by a test).
/// </summary>
/// <param name="SlotNames">The feature column's own slot names, kept for the per-feature error column; null when it had none.</param>
/// <param name="Columns">The distinct column names the slots group into, in the order of their first slot.</param>
/// <param name="ColumnOfSlot">For each slot, its index in <paramref name="Columns"/>.</param>
/// <remarks>
/// A slot's column is its name up to the first '.', unless the whole name, or a longer dotted prefix of it, is a column of
/// the training data (so a scalar column named "petal.length" stays whole). A slot with no name is "Feature j" (j its
/// index), alone in its group: nothing in the schema says which vector an unnamed slot came from.
/// </remarks>
internal sealed record AnomalyFeatureNames(string[]? SlotNames, string[] Columns, int[] ColumnOfSlot)
{
    /// <summary>The name of slot <paramref name="slot"/> when the features carry no name for it.</summary>
    public static string Unnamed(int slot) => $"Feature {slot}";

    /// <summary>Every slot its own group, "Feature 0" … "Feature d−1": features without slot names.</summary>
    public static AnomalyFeatureNames Numbered(int size) =>
        new(null, [.. Enumerable.Range(0, size).Select(Unnamed)], [.. Enumerable.Range(0, size)]);

    /// <summary>The groups for <paramref name="featureColumn"/> of <paramref name="schema"/>.</summary>
    public static AnomalyFeatureNames FromSchema(DataViewSchema schema, string featureColumn, int size)
    {
        var column = schema[featureColumn];
        if (!column.HasSlotNames()) return Numbered(size);
        VBuffer<ReadOnlyMemory<char>> buffer = default;
        column.GetSlotNames(ref buffer);
        string[] slotNames = [.. buffer.DenseValues().Select(name => name.ToString())];
        var known = schema.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return FromSlotNames(slotNames, known);
    }

    /// <summary>The groups for <paramref name="slotNames"/>, given the names of the columns the data holds.</summary>
    public static AnomalyFeatureNames FromSlotNames(string[] slotNames, IReadOnlySet<string> knownColumns)
    {
        var columns = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var columnOfSlot = new int[slotNames.Length];
        for (int slot = 0; slot < slotNames.Length; slot++)
        {
            string group = ColumnOf(slotNames[slot], slot, knownColumns);
            if (!index.TryGetValue(group, out int at))
            {
                at = columns.Count;
                index.Add(group, at);
                columns.Add(group);
            }
            columnOfSlot[slot] = at;
        }
        return new AnomalyFeatureNames(slotNames, [.. columns], columnOfSlot);
    }

    private static string ColumnOf(string slotName, int slot, IReadOnlySet<string> knownColumns)
    {
        if (string.IsNullOrEmpty(slotName)) return Unnamed(slot);
        // The longest dotted prefix that names a column of the data, the whole name first.
        for (int end = slotName.Length; end > 0; end = slotName.LastIndexOf('.', end - 1))
        {
            if (knownColumns.Contains(slotName[..end])) return slotName[..end];
        }
        int dot = slotName.IndexOf('.');
        return dot > 0 ? slotName[..dot] : slotName;
    }

    /// <summary>Checks a saved grouping against the network's width; a damaged file must not index past its arrays.</summary>
    public void CheckFits(int size)
    {
        if (ColumnOfSlot.Length != size || (SlotNames != null && SlotNames.Length != size)
            || ColumnOfSlot.Any(c => c < 0 || c >= Columns.Length) || Columns.Length == 0)
            throw new InvalidDataException($"The anomaly detector's feature names do not fit its {size} features; the file is damaged.");
    }
}
