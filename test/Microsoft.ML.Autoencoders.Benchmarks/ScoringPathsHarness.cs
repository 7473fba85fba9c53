using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms.Onnx;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Ours only: the same trained MNIST autoencoder scoring the test set's reconstruction and per-row error by every route a
/// user has, on the same threads — the library's engine behind <c>Transform</c> (batched cursor), ML.NET's
/// <c>ApplyOnnxModel</c> on the exported file, ONNX Runtime's C# API at batch 1024 on the same file, a model saved and read
/// back with plain <c>mlContext.Model.Load</c>, the same zip read with <c>mlContext.Model.LoadWithBatchedScoring</c>, and a
/// prediction engine. All read the same two outputs of every row, so the figures compare routes, not work.
/// </summary>
public static class ScoringPathsHarness
{
    private const string Features = "Features";
    private const int OnnxRuntimeBatch = 1024;



    public static void Run(BenchSettings settings, int threads, AutoencoderTransformer transformer, float[] test, int testRows, BenchReport report)
    {
        var ml = new MLContext(seed: AutoencoderCase.Seed);
        var images = Enumerable.Range(0, testRows)
            .Select(r => new ScoringImage { Features = test.AsSpan(r * AutoencoderCase.InputSize, AutoencoderCase.InputSize).ToArray() }).ToList();
        IDataView data = ml.Data.LoadFromEnumerable(images);
        var timer = SampleTimer.For(settings);
        string folder = Directory.CreateTempSubdirectory("scoring-paths-").FullName;
        try
        {
            string onnxPath = Path.Combine(folder, "model.onnx"), zipPath = Path.Combine(folder, "model.zip");
            using (var file = File.Create(onnxPath)) transformer.SaveAsOnnx(file);
            ml.Model.Save(transformer, data.Schema, zipPath);
            double checksum = 0;
            string what = $"{testRows} test rows' reconstruction and error, {threads} threads";

            double Rate(Action scan) => testRows / timer.MedianSecondsPerCall(scan);
            void Scan(IDataView scored, string reconstruction, string error) => checksum += ScanColumns(scored, reconstruction, error);

            report.Add("scoring_rows_per_second_engine", "rows/s", Rate(() => Scan(transformer.Transform(data), "Reconstruction", "Error")), "higher",
                $"ours only: the library's default path, a cursor over Transform (the engine, in look-ahead batches of up to 256 rows): {what}");

            var applyOnnx = ml.Transforms.CopyColumns("input", Features).Append(ml.Transforms.ApplyOnnxModel(new OnnxOptions
            {
                ModelFile = onnxPath, InputColumns = ["input"], OutputColumns = ["reconstruction", "reconstruction_error"],
                IntraOpNumThreads = threads, InterOpNumThreads = 1,
            })).Fit(data);
            report.Add("scoring_rows_per_second_apply_onnx_model", "rows/s", Rate(() => Scan(applyOnnx.Transform(data), "reconstruction", "reconstruction_error")), "higher",
                $"ours only: ML.NET's ApplyOnnxModel on the SaveAsOnnx file (ONNX Runtime once per row): {what}");

            using var sessionOptions = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
            using var session = new InferenceSession(onnxPath, sessionOptions);
            report.Add("scoring_rows_per_second_onnxruntime", "rows/s", Rate(() => checksum += OnnxRuntimeBatches(session, test, testRows)), "higher",
                $"ours only: ONNX Runtime's C# API on the SaveAsOnnx file, batches of {OnnxRuntimeBatch} rows, no ML.NET: {what}");

            var loaded = new MLContext().Model.Load(zipPath, out _);
            report.Add("scoring_rows_per_second_after_load", "rows/s", Rate(() => Scan(loaded.Transform(data), "Reconstruction", "Error")), "higher",
                $"ours only: the model saved with mlContext.Model.Save and read back with plain mlContext.Model.Load (ML.NET's OnnxTransformer, once per row): {what}");

            var batchedLoad = new MLContext().Model.LoadWithBatchedScoring(zipPath, out _);
            report.Add("scoring_rows_per_second_after_batched_load", "rows/s", Rate(() => Scan(batchedLoad.Transform(data), "Reconstruction", "Error")), "higher",
                $"ours only: the same zip read with mlContext.Model.LoadWithBatchedScoring (the typed transformer, batched): {what}");

            var engine = ml.Model.CreatePredictionEngine<ScoringImage, ScoringOutput>(transformer);
            report.Add("scoring_rows_per_second_prediction_engine", "rows/s", Rate(() =>
            {
                foreach (var image in images) { var s = engine.Predict(image); checksum += s.Error + s.Reconstruction[0]; }
            }), "higher", $"ours only: PredictionEngine.Predict on each row (one row per call): {what}");

            if (!double.IsFinite(checksum)) throw new InvalidOperationException($"Scoring produced a non-finite checksum ({checksum}).");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Reads every row's reconstruction and error; returns a sum so the reads cannot be optimized away.</summary>
    private static double ScanColumns(IDataView scored, string reconstructionName, string errorName)
    {
        var reconstructionColumn = scored.Schema[reconstructionName];
        var errorColumn = scored.Schema[errorName];
        using var cursor = scored.GetRowCursor([reconstructionColumn, errorColumn]);
        var reconstruction = cursor.GetGetter<VBuffer<float>>(reconstructionColumn);
        // ApplyOnnxModel gives the error as a vector [1]; the library's transformers as a Single.
        ValueGetter<float> error;
        if (errorColumn.Type is VectorDataViewType)
        {
            var vector = cursor.GetGetter<VBuffer<float>>(errorColumn);
            VBuffer<float> buffer = default;
            error = (ref float value) => { vector(ref buffer); value = buffer.GetValues()[0]; };
        }
        else error = cursor.GetGetter<float>(errorColumn);
        VBuffer<float> row = default;
        float rowError = 0;
        double sum = 0;
        while (cursor.MoveNext())
        {
            reconstruction(ref row);
            error(ref rowError);
            sum += rowError + row.GetValues()[0];
        }
        return sum;
    }

    /// <summary>The test rows through an ONNX Runtime session at <see cref="OnnxRuntimeBatch"/> rows per run.</summary>
    private static double OnnxRuntimeBatches(InferenceSession session, float[] test, int rows)
    {
        using var runOptions = new RunOptions();
        double sum = 0;
        for (int start = 0; start < rows; start += OnnxRuntimeBatch)
        {
            int count = Math.Min(OnnxRuntimeBatch, rows - start);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                test.AsMemory(start * AutoencoderCase.InputSize, count * AutoencoderCase.InputSize), [count, AutoencoderCase.InputSize]);
            using var outputs = session.Run(runOptions, ["input"], [input], ["reconstruction", "reconstruction_error"]);
            var reconstruction = outputs[0].GetTensorDataAsSpan<float>();
            foreach (float e in outputs[1].GetTensorDataAsSpan<float>()) sum += e;
            sum += reconstruction[0];
        }
        return sum;
    }
}
