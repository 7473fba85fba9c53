"""Writes the ONNX autoencoders the import tests score: models "made elsewhere", built node by node with the onnx
package's helpers and numpy, never with Microsoft.ML.Autoencoders' own exporter.

Usage: make_models.py OUTPUT_DIR

For each model NAME it writes NAME.onnx (checked with onnx.checker, full_check) and, for the ones that score,
NAME.expected.json: the input rows and the reconstruction, code and per-row mean squared error that numpy computes
from the same weights in float64. The tests hold the library's scores to these.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
ROWS = 300  # more than the cursor's largest batch (256), so a partial batch follows a full one
rng = np.random.default_rng(20261203)


def weights(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def save(name, nodes, inputs, outputs, initializers, out_dir):
    graph = helper.make_graph(nodes, name, inputs, outputs, [numpy_helper.from_array(a, n) for n, a in initializers.items()])
    model = helper.make_model(graph, producer_name="make_models.py", opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(out_dir, name + ".onnx"))


def expected(name, x, reconstruction, code, out_dir):
    x64 = x.astype(np.float64)
    r = reconstruction.reshape(len(x), -1)
    error = ((x64.reshape(len(x), -1) - r) ** 2).mean(axis=1)
    result = {"input": x.reshape(len(x), -1).tolist(), "reconstruction": r.tolist(), "error": error.tolist()}
    if code is not None:
        result["code"] = code.reshape(len(x), -1).tolist()
    with open(os.path.join(out_dir, name + ".expected.json"), "w") as f:
        json.dump(result, f)


def relu(v):
    return np.maximum(v, 0)


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def pca(out_dir):
    # A linear autoencoder from the principal axes of correlated data: code = (x - mean)·V, x̂ = code·Vᵀ + mean.
    d, k = 8, 3
    latent = rng.standard_normal((2000, k))
    data = (latent @ rng.standard_normal((k, d)) + 0.05 * rng.standard_normal((2000, d)) + 1.0).astype(np.float32)
    mean = data.mean(axis=0).astype(np.float32)
    _, _, vt = np.linalg.svd(data - mean, full_matrices=False)
    v = vt[:k].T.astype(np.float32)
    nodes = [
        helper.make_node("Sub", ["x", "mean"], ["centred"]),
        helper.make_node("MatMul", ["centred", "components"], ["code"]),
        helper.make_node("MatMul", ["code", "components_t"], ["projected"]),
        helper.make_node("Add", ["projected", "mean"], ["reconstruction"]),
    ]
    save("pca", nodes,
         [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", d])],
         [helper.make_tensor_value_info("reconstruction", TensorProto.FLOAT, ["batch", d]),
          helper.make_tensor_value_info("code", TensorProto.FLOAT, ["batch", k])],
         {"mean": mean, "components": v, "components_t": np.ascontiguousarray(v.T)}, out_dir)
    x = data[:ROWS]
    x64, m64, v64 = x.astype(np.float64), mean.astype(np.float64), v.astype(np.float64)
    code = (x64 - m64) @ v64
    expected("pca", x, code @ v64.T + m64, code, out_dir)
    # The same graph with a fixed batch of one: scored a row per run.
    nodes_fixed = nodes
    save("pca_batch1", nodes_fixed,
         [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, d])],
         [helper.make_tensor_value_info("reconstruction", TensorProto.FLOAT, [1, d]),
          helper.make_tensor_value_info("code", TensorProto.FLOAT, [1, k])],
         {"mean": mean, "components": v, "components_t": np.ascontiguousarray(v.T)}, out_dir)
    expected("pca_batch1", x[:20], code[:20] @ v64.T + m64, code[:20], out_dir)
    # Training-like rows for fitting a detector: the same distribution, other rows.
    np.savetxt(os.path.join(out_dir, "pca.train.csv"), data[ROWS:ROWS + 500], delimiter=",", fmt="%.9g")


def mlp_gemm(out_dir):
    # 16 → 8 → 4 → 8 → 16 with Gemm (transB=1, PyTorch's Linear), ReLU, and a sigmoid output.
    sizes = [16, 8, 4, 8, 16]
    init, nodes, x = {}, [], "input"
    for i in range(4):
        w = weights(sizes[i + 1], sizes[i])  # [out, in], as torch.nn.Linear stores it
        b = weights(sizes[i + 1], scale=0.1)
        init[f"fc{i}.weight"], init[f"fc{i}.bias"] = w, b
        y = f"fc{i}_out"
        nodes.append(helper.make_node("Gemm", [x, f"fc{i}.weight", f"fc{i}.bias"], [y], transB=1))
        act = "output" if i == 3 else f"act{i}_out"
        nodes.append(helper.make_node("Sigmoid" if i == 3 else "Relu", [y], [act]))
        x = act
    save("mlp_gemm", nodes,
         [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 16])],
         [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 16])], init, out_dir)
    xs = rng.random((ROWS, 16)).astype(np.float32)
    h = xs.astype(np.float64)
    codes = None
    for i in range(4):
        h = h @ init[f"fc{i}.weight"].astype(np.float64).T + init[f"fc{i}.bias"]
        h = sigmoid(h) if i == 3 else relu(h)
        if i == 1:
            codes = h
    expected("mlp_gemm", xs, h, codes, out_dir)


def matmul_add(out_dir):
    # 12 → 5 (tanh) → 12 (leaky ReLU, alpha 0.2) with MatMul + Add, as TensorFlow and Keras converters write dense layers.
    w0, b0, w1, b1 = weights(12, 5), weights(5, scale=0.1), weights(5, 12), weights(12, scale=0.1)
    nodes = [
        helper.make_node("MatMul", ["features", "w0"], ["h0"]),
        helper.make_node("Add", ["h0", "b0"], ["h0b"]),
        helper.make_node("Tanh", ["h0b"], ["latent"]),
        helper.make_node("MatMul", ["latent", "w1"], ["h1"]),
        helper.make_node("Add", ["h1", "b1"], ["h1b"]),
        helper.make_node("LeakyRelu", ["h1b"], ["restored"], alpha=0.2),
    ]
    save("matmul_add", nodes,
         [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 12])],
         [helper.make_tensor_value_info("restored", TensorProto.FLOAT, ["batch", 12])],
         {"w0": w0, "b0": b0, "w1": w1, "b1": b1}, out_dir)
    xs = rng.standard_normal((ROWS, 12)).astype(np.float32)
    latent = np.tanh(xs.astype(np.float64) @ w0 + b0)
    h = latent @ w1 + b1
    expected("matmul_add", xs, np.where(h > 0, h, 0.2 * h), latent, out_dir)


def conv2d(x, w, b, stride=1, pad=0):
    """x [N, C, H, W], w [F, C, k, k]: cross-correlation as ONNX Conv computes it, in float64."""
    n, c, h, wd = x.shape
    f, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho, wo = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    y = np.zeros((n, f, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            y[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return y + b.reshape(1, -1, 1, 1)


def conv_transpose2d(x, w, b, stride, pad, output_padding):
    """x [N, C, H, W], w [C, F, k, k]: ONNX ConvTranspose, by scattering each input pixel's kernel."""
    n, c, h, wd = x.shape
    _, f, k, _ = w.shape
    full_h, full_w = (h - 1) * stride + k + output_padding, (wd - 1) * stride + k + output_padding
    y = np.zeros((n, f, full_h, full_w))
    for i in range(h):
        for j in range(wd):
            y[:, :, i * stride:i * stride + k, j * stride:j * stride + k] += np.einsum("nc,cfkl->nfkl", x[:, :, i, j], w)
    y = y[:, :, pad:full_h - pad, pad:full_w - pad]
    return y + b.reshape(1, -1, 1, 1)


def conv(out_dir):
    # [1, 8, 8] → Conv 4@3×3 (pads 1) → ReLU → MaxPool 2 → Conv 2@3×3 → ReLU (code [2, 4, 4]) → Resize ×2 nearest
    # → Conv 1@3×3 → Sigmoid: the Keras blog's convolutional autoencoder, small.
    w0, b0 = weights(4, 1, 3, 3), weights(4, scale=0.1)
    w1, b1 = weights(2, 4, 3, 3), weights(2, scale=0.1)
    w2, b2 = weights(1, 2, 3, 3), weights(1, scale=0.1)
    scales = np.array([1, 1, 2, 2], dtype=np.float32)
    nodes = [
        helper.make_node("Conv", ["image", "w0", "b0"], ["c0"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c0"], ["r0"]),
        helper.make_node("MaxPool", ["r0"], ["p0"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p0", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["encoded"]),
        helper.make_node("Resize", ["encoded", "", "scales"], ["up"], mode="nearest"),
        helper.make_node("Conv", ["up", "w2", "b2"], ["c2"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Sigmoid", ["c2"], ["decoded"]),
    ]
    save("conv", nodes,
         [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 8, 8])],
         [helper.make_tensor_value_info("decoded", TensorProto.FLOAT, ["N", 1, 8, 8]),
          helper.make_tensor_value_info("encoded", TensorProto.FLOAT, ["N", 2, 4, 4])],
         {"w0": w0, "b0": b0, "w1": w1, "b1": b1, "w2": w2, "b2": b2, "scales": scales}, out_dir)
    xs = rng.random((ROWS, 1, 8, 8)).astype(np.float32)
    r0 = relu(conv2d(xs.astype(np.float64), w0, b0, pad=1))
    p0 = r0.reshape(ROWS, 4, 4, 2, 4, 2).max(axis=(3, 5))
    code = relu(conv2d(p0, w1, b1, pad=1))
    up = code.repeat(2, axis=2).repeat(2, axis=3)
    expected("conv", xs, sigmoid(conv2d(up, w2, b2, pad=1)), code, out_dir)


def conv_flat(out_dir):
    # Flat rows [64] reshaped to [1, 8, 8] → Conv 3@3×3 stride 2 (pads 1) → BatchNormalization → ReLU (code [3, 4, 4])
    # → ConvTranspose 1@3×3 stride 2 (pads 1, output_padding 1) → Sigmoid → Flatten: flat in, flat out.
    w0, b0 = weights(3, 1, 3, 3), weights(3, scale=0.1)
    gamma, beta = (1 + 0.2 * rng.standard_normal(3)).astype(np.float32), weights(3, scale=0.1)
    mean, var = weights(3, scale=0.2), (0.5 + rng.random(3)).astype(np.float32)
    wt, bt = weights(3, 1, 3, 3), weights(1, scale=0.1)
    shape = np.array([-1, 1, 8, 8], dtype=np.int64)
    nodes = [
        helper.make_node("Reshape", ["pixels", "shape"], ["image"]),
        helper.make_node("Conv", ["image", "w0", "b0"], ["c0"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c0", "gamma", "beta", "mean", "var"], ["bn"], epsilon=1e-3, momentum=0.99),
        helper.make_node("Relu", ["bn"], ["code"]),
        helper.make_node("ConvTranspose", ["code", "wt", "bt"], ["ct"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]),
        helper.make_node("Sigmoid", ["ct"], ["sig"]),
        helper.make_node("Flatten", ["sig"], ["reconstruction"], axis=1),
    ]
    save("conv_flat", nodes,
         [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["N", 64])],
         [helper.make_tensor_value_info("reconstruction", TensorProto.FLOAT, ["N", 64])],
         {"shape": shape, "w0": w0, "b0": b0, "gamma": gamma, "beta": beta, "mean": mean, "var": var, "wt": wt, "bt": bt}, out_dir)
    xs = rng.random((ROWS, 64)).astype(np.float32)
    c0 = conv2d(xs.astype(np.float64).reshape(ROWS, 1, 8, 8), w0, b0, stride=2, pad=1)
    bn = (c0 - mean.reshape(1, -1, 1, 1)) / np.sqrt(var.astype(np.float64).reshape(1, -1, 1, 1) + 1e-3) * gamma.reshape(1, -1, 1, 1) + beta.reshape(1, -1, 1, 1)
    code = relu(bn)
    out = sigmoid(conv_transpose2d(code, wt, bt, stride=2, pad=1, output_padding=1))
    expected("conv_flat", xs, out, code, out_dir)


def int64_input(out_dir):
    # An input of int64 ids, cast to float: the import must refuse it by name and type.
    nodes = [helper.make_node("Cast", ["ids"], ["as_float"], to=TensorProto.FLOAT),
             helper.make_node("Identity", ["as_float"], ["reconstruction"])]
    save("int64_input", nodes,
         [helper.make_tensor_value_info("ids", TensorProto.INT64, ["N", 4])],
         [helper.make_tensor_value_info("reconstruction", TensorProto.FLOAT, ["N", 4])], {}, out_dir)


def narrowing(out_dir):
    # An encoder only: [N, 6] → [N, 3]. Named as the reconstruction, its output does not match the input.
    save("narrowing", [helper.make_node("MatMul", ["x", "w"], ["y"])],
         [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6])],
         [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], {"w": weights(6, 3)}, out_dir)


def softsign_mlp(out_dir):
    # Scores under ONNX Runtime, but uses operators the engine has no layer for (Softsign, Erf).
    w0, w1 = weights(6, 3), weights(3, 6)
    nodes = [helper.make_node("MatMul", ["x", "w0"], ["h"]), helper.make_node("Softsign", ["h"], ["s"]),
             helper.make_node("Erf", ["s"], ["code"]), helper.make_node("MatMul", ["code", "w1"], ["y"])]
    save("softsign_mlp", nodes,
         [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6])],
         [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 6])], {"w0": w0, "w1": w1}, out_dir)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    for make in (pca, mlp_gemm, matmul_add, conv, conv_flat, int64_input, narrowing, softsign_mlp):
        make(out_dir)
    print(f"onnx {onnx.__version__}, numpy {np.__version__}: models written to {out_dir}")


if __name__ == "__main__":
    main()
