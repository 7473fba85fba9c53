namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The column names an autoencoder transformer reads and writes; null outputs are not produced. Denoised is the
/// reconstruction under the name a denoising or paired model's users look for; NegativeElbo a variational model's score.
/// </summary>
internal sealed record AutoencoderColumns(string Input, string? Encoded, string? Reconstruction, string? ReconstructionError, string? Denoised = null,
    string? NegativeElbo = null)
{
    /// <param name="options">The options whose column names to read and check.</param>
    /// <param name="reservedNamesAllowed">
    /// True for the library's own components (the anomaly and sequence detectors), whose inner networks use names under
    /// <see cref="Persistence.SavedModelArchive.ReservedPrefix"/>; a user's names there are refused, because the model
    /// loaders leave such a network to the component that owns it and would not find it.
    /// </param>
    public static AutoencoderColumns FromOptions(AutoencoderOptions options, bool reservedNamesAllowed = false)
    {
        if (string.IsNullOrWhiteSpace(options.InputColumnName))
            throw new ArgumentException("InputColumnName must name the vector column to train on.", nameof(options));
        var columns = new AutoencoderColumns(options.InputColumnName, NullIfEmpty(options.EncodedColumnName),
            NullIfEmpty(options.ReconstructionColumnName), NullIfEmpty(options.ReconstructionErrorColumnName), NullIfEmpty(options.DenoisedColumnName),
            NullIfEmpty(options.NegativeElboColumnName));
        var outputs = columns.Outputs.ToList();
        if (outputs.Count == 0)
            throw new ArgumentException("Name at least one output column: EncodedColumnName, ReconstructionColumnName, ReconstructionErrorColumnName, DenoisedColumnName or NegativeElboColumnName.", nameof(options));
        if (columns.NegativeElbo != null && !options.Variational)
            throw new ArgumentException("NegativeElboColumnName is a variational autoencoder's score: set Variational (or use mlContext.Transforms.VariationalAutoencoder), or leave it null.", nameof(options));
        if (outputs.Distinct().Count() != outputs.Count)
            throw new ArgumentException($"The output columns must have different names (got {string.Join(", ", outputs)}).", nameof(options));
        if (!reservedNamesAllowed && outputs.FirstOrDefault(IsReserved) is { } reserved)
            throw new ArgumentException($"Output column name '{reserved}' ({OptionOf(columns, reserved)}) starts with '{Persistence.SavedModelArchive.ReservedPrefix}', "
                + "which the library reserves for its own columns (a saved model with it would not load as an autoencoder); choose another name.", nameof(options));
        return columns;
    }

    /// <summary>The output names that are set, in schema order.</summary>
    public IEnumerable<string> Outputs
    {
        get
        {
            if (Encoded != null) yield return Encoded;
            if (Reconstruction != null) yield return Reconstruction;
            if (ReconstructionError != null) yield return ReconstructionError;
            if (Denoised != null) yield return Denoised;
            if (NegativeElbo != null) yield return NegativeElbo;
        }
    }

    private static bool IsReserved(string name) => name.StartsWith(Persistence.SavedModelArchive.ReservedPrefix, StringComparison.Ordinal);

    /// <summary>The option that set output column <paramref name="name"/>, for the error message.</summary>
    private static string OptionOf(AutoencoderColumns columns, string name) =>
        name == columns.Encoded ? nameof(AutoencoderOptions.EncodedColumnName)
        : name == columns.Reconstruction ? nameof(AutoencoderOptions.ReconstructionColumnName)
        : name == columns.ReconstructionError ? nameof(AutoencoderOptions.ReconstructionErrorColumnName)
        : name == columns.Denoised ? nameof(AutoencoderOptions.DenoisedColumnName)
        : nameof(AutoencoderOptions.NegativeElboColumnName);

    private static string? NullIfEmpty(string? name) => string.IsNullOrWhiteSpace(name) ? null : name;
}
