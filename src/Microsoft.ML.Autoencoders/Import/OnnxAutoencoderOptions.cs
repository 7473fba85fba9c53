namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Configures <see cref="OnnxAutoencoderEstimator"/>: which ONNX graph to import (a file or its bytes), which of its
/// tensors are the input, the reconstruction and the code, and the ML.NET columns it reads and writes.
/// </summary>
public sealed class OnnxAutoencoderOptions
{
    /// <summary>The .onnx file; set this or <see cref="ModelBytes"/>.</summary>
    public string? ModelPath { get; set; }

    /// <summary>The .onnx file's bytes; set this or <see cref="ModelPath"/>.</summary>
    public byte[]? ModelBytes { get; set; }

    /// <summary>The graph input the rows go to (a float tensor: [N, d], [N, C, H, W], [1, d] or [d]).</summary>
    public string GraphInputName { get; set; } = "";

    /// <summary>The graph output that reconstructs the input (the input's per-row size).</summary>
    public string ReconstructionOutputName { get; set; } = "";

    /// <summary>The graph output holding the code (bottleneck), or null when the graph has none.</summary>
    public string? CodeOutputName { get; set; }

    /// <summary>
    /// The per-row input shape, only needed when the graph leaves it open (e.g. an input declared [N, ?]). For an input
    /// [B, ...] with a fixed B &gt; 1, which the loader reads as a batch when runs show the graph scores its rows apart, the
    /// shape after B reads B as the batch regardless, and the whole shape reads the tensor as one row.
    /// </summary>
    public int[]? InputShape { get; set; }

    /// <summary>The input column: a known-size vector of Single with the graph's per-row size.</summary>
    public string InputColumnName { get; set; } = OnnxAutoencoderEstimator.Defaults.InputColumnName;

    /// <summary>The code column; used when <see cref="CodeOutputName"/> is set; null for none.</summary>
    public string? EncodedColumnName { get; set; } = OnnxAutoencoderEstimator.Defaults.EncodedColumnName;

    /// <summary>The reconstruction column (flat, the input's size), or null for none.</summary>
    public string? ReconstructionColumnName { get; set; } = OnnxAutoencoderEstimator.Defaults.ReconstructionColumnName;

    /// <summary>The per-row mean squared reconstruction error column (Single), or null for none.</summary>
    public string? ReconstructionErrorColumnName { get; set; } = OnnxAutoencoderEstimator.Defaults.ReconstructionErrorColumnName;

    /// <summary>ONNX Runtime's intra-op threads; null for one per processor.</summary>
    public int? NumberOfThreads { get; set; }
}
