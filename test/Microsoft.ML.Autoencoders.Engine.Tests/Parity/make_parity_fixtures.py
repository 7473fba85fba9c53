"""Writes the PyTorch parity fixtures that TorchParityTests reads: small cases of the engine's layers on odd configurations
(strides, dilations, one-sided 'same' padding, channel counts and image sizes that are not multiples of anything, batches of
one), each with its input, parameters, upstream gradient and what PyTorch computes from them: the output, the input gradient
and every parameter gradient (and, for batch norm in training, the running statistics after the step).

Run with /usr/bin/python3 (which has torch) from this folder:  /usr/bin/python3 make_parity_fixtures.py
The inputs and parameters are float32 values, written so they read back exactly; PyTorch computes in float64 from them, so the
expected values carry no float32 rounding of their own. Parameters are written in the engine's layout (the C# test fills
layer.Parameters in order), converted here from PyTorch's (LSTM/GRU gate order and transposed weights).
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_default_dtype(torch.float64)


class Case:
    """One fixture case; values are float32 numpy arrays drawn from a generator seeded by the case's index."""

    def __init__(self, name, spec, input_shape, batch, seed, training=True):
        self.name, self.spec, self.input_shape, self.batch, self.training = name, spec, input_shape, batch, training
        self.rng = np.random.default_rng(seed)
        self.params, self.buffers, self.expected_buffers = [], [], []

    def uniform(self, shape, low=-1.0, high=1.0):
        return self.rng.uniform(low, high, size=shape).astype(np.float32)

    def to_json(self, x, dy, y, dx, grads):
        case = {
            "name": self.name, "spec": self.spec, "inputShape": list(self.input_shape), "batch": self.batch,
            "training": self.training, "x": floats32(x), "parameters": [floats32(p) for p in self.params],
            "dy": floats32(dy), "y": floats64(y), "dx": floats64(dx), "parameterGradients": [floats64(g) for g in grads],
        }
        if self.expected_buffers:
            case["buffersAfter"] = [floats64(b) for b in self.expected_buffers]
        return case


def floats32(a):
    # numpy's shortest text that reads back as the same float32.
    return [float(np.format_float_positional(np.float32(v), unique=True, trim="0")) for v in np.asarray(a, np.float32).ravel()]


def floats64(a):
    return [float("%.9g" % v) for v in np.asarray(a.detach().numpy() if torch.is_tensor(a) else a, np.float64).ravel()]


def t(a, grad=False):
    return torch.tensor(np.asarray(a, np.float64), requires_grad=grad)


def keras_same(size, kernel, stride, dilation):
    """Keras' 'same' padding on one axis: ceil(size / stride) outputs, an odd total's extra at the end."""
    out = -(-size // stride)
    total = max((out - 1) * stride + dilation * (kernel - 1) + 1 - size, 0)
    return total // 2, total - total // 2


def pads(spec, sizes):
    """(before, after) per spatial axis for a convolution spec over those sizes."""
    k, s, d = spec["kernelSize"], spec.get("stride", 1), spec.get("dilation", 1)
    mode = spec.get("padding", "Same")
    if mode == "Same":
        return [keras_same(n, k, s, d) for n in sizes]
    if mode == "Valid":
        return [(0, 0) for _ in sizes]
    if mode == "Causal":  # Keras' Conv1D "causal": all the padding before the sequence
        return [(d * (k - 1), 0) for _ in sizes]
    if "explicitPads" in spec:  # per side: {"left", "right"} or {"top", "left", "bottom", "right"}
        given = spec["explicitPads"]
        return [(given["left"], given["right"])] if len(sizes) == 1 else [(given["top"], given["bottom"]), (given["left"], given["right"])]
    p = spec["explicitPadding"]
    return [(p, p) for _ in sizes]


def run(case, x, params, forward, buffers_after=None):
    """Runs forward in float64 with autograd, back-propagates a random upstream gradient, returns the fixture case."""
    xt = t(x, True)
    pts = [t(p, True) for p in params]
    y = forward(xt, *pts)
    dy = case.uniform(tuple(y.shape))
    y.backward(t(dy))
    if buffers_after is not None:
        case.expected_buffers = buffers_after()
    return case.to_json(x, dy, y, xt.grad, [p.grad for p in pts])


def conv2d_case(i, name, c, h, w, filters, batch, **spec):
    spec = {"kind": "conv2d", "filters": filters, **spec}
    case = Case(name, spec, (c, h, w), batch, 1000 + i)
    x = case.uniform((batch, c, h, w))
    k = spec["kernelSize"]
    case.params = [case.uniform((filters, c, k, k), -0.5, 0.5), case.uniform((filters,), -0.5, 0.5)]
    (top, bottom), (left, right) = pads(spec, (h, w))

    def forward(xt, wt, bt):
        return F.conv2d(F.pad(xt, (left, right, top, bottom)), wt, bt, stride=spec.get("stride", 1), dilation=spec.get("dilation", 1))

    return run(case, x, case.params, forward)


def transposed_crop(full, target, before):
    """Takes `before` off the start of the last axis/axes of a full transposed convolution and pads or crops it to `target`."""
    pad = []
    for (axis, size), b in reversed(list(zip(target, before))):
        n = full.shape[axis]
        pad += [-b, size - (n - b)]
    return F.pad(full, tuple(pad))


def transposed_axis(size, spec, sides=("left", "right")):
    k, s, d = spec["kernelSize"], spec.get("stride", 1), spec.get("dilation", 1)
    mode = spec.get("padding", "Same")
    reach = (size - 1) * s + d * (k - 1) + 1
    if mode == "Same":
        out = size * s
        return out, keras_same(out, k, s, d)[0]
    if "explicitPads" in spec:  # taken off the output's start and end
        before, after = (spec["explicitPads"][side] for side in sides)
        return reach + spec.get("outputPadding", 0) - before - after, before
    p = 0 if mode == "Valid" else spec["explicitPadding"]
    return reach + spec.get("outputPadding", 0) - 2 * p, p


def conv_transpose2d_case(i, name, c, h, w, filters, batch, **spec):
    spec = {"kind": "conv_transpose2d", "filters": filters, **spec}
    case = Case(name, spec, (c, h, w), batch, 2000 + i)
    x = case.uniform((batch, c, h, w))
    k = spec["kernelSize"]
    case.params = [case.uniform((c, filters, k, k), -0.5, 0.5), case.uniform((filters,), -0.5, 0.5)]
    (ho, top), (wo, left) = transposed_axis(h, spec, ("top", "bottom")), transposed_axis(w, spec)

    def forward(xt, wt, bt):
        full = F.conv_transpose2d(xt, wt, None, stride=spec.get("stride", 1), dilation=spec.get("dilation", 1))
        return transposed_crop(full, [(2, ho), (3, wo)], [top, left]) + bt.view(1, -1, 1, 1)

    return run(case, x, case.params, forward)


def max_pool2d_case(i, name, c, h, w, batch, ties=False, **spec):
    spec = {"kind": "max_pool2d", **spec}
    case = Case(name, spec, (c, h, w), batch, 3000 + i)
    # With ties (values from a handful of levels) the gradient goes to the first maximum in row-major order, as PyTorch's.
    x = case.rng.integers(0, 3, size=(batch, c, h, w)).astype(np.float32) if ties else case.uniform((batch, c, h, w))
    pool = spec.get("poolSize", 2)
    stride = spec.get("stride", 0) or pool

    def forward(xt):
        return F.max_pool2d(xt, pool, stride, ceil_mode=spec.get("ceilMode", False))

    return run(case, x, [], forward)


def upsample2d_case(i, name, c, h, w, batch, **spec):
    spec = {"kind": "upsample2d", **spec}
    case = Case(name, spec, (c, h, w), batch, 4000 + i)
    x = case.uniform((batch, c, h, w))
    scale = spec.get("scale", 2)
    mode = spec.get("mode", "Nearest")

    def forward(xt):
        if mode == "Bilinear":
            return F.interpolate(xt, scale_factor=scale, mode="bilinear", align_corners=False)
        return F.interpolate(xt, scale_factor=scale, mode="nearest")

    return run(case, x, [], forward)


def batch_norm2d_case(i, name, c, h, w, batch, training, momentum=0.1, epsilon=1e-5):
    spec = {"kind": "batch_norm2d", "momentum": momentum, "epsilon": epsilon}
    case = Case(name, spec, (c, h, w), batch, 5000 + i, training)
    x = case.uniform((batch, c, h, w), -2.0, 3.0)
    # Scale, shift, running mean, running variance: the layer's parameters in order (the last two are buffers).
    case.params = [case.uniform((c,), 0.5, 1.5), case.uniform((c,), -0.5, 0.5), case.uniform((c,), -0.3, 0.3), case.uniform((c,), 0.5, 2.0)]
    running_mean, running_var = t(case.params[2]), t(case.params[3])

    def forward(xt, gamma, beta, _mean, _var):
        return F.batch_norm(xt, running_mean, running_var, gamma, beta, training=training, momentum=momentum, eps=epsilon)

    json_case = run(case, x, case.params, forward, buffers_after=lambda: [running_mean.numpy(), running_var.numpy()])
    # The buffers take no gradient; the engine reports zeros for them.
    json_case["parameterGradients"][2:] = [[0.0] * c, [0.0] * c]
    return json_case


def conv1d_case(i, name, c, length, filters, batch, **spec):
    spec = {"kind": "conv1d", "filters": filters, **spec}
    case = Case(name, spec, (c, length), batch, 6000 + i)
    x = case.uniform((batch, c, length))
    k = spec["kernelSize"]
    case.params = [case.uniform((filters, c, k), -0.5, 0.5), case.uniform((filters,), -0.5, 0.5)]
    ((left, right),) = pads(spec, (length,))

    def forward(xt, wt, bt):
        return F.conv1d(F.pad(xt, (left, right)), wt, bt, stride=spec.get("stride", 1), dilation=spec.get("dilation", 1))

    return run(case, x, case.params, forward)


def conv_transpose1d_case(i, name, c, length, filters, batch, **spec):
    spec = {"kind": "conv_transpose1d", "filters": filters, **spec}
    case = Case(name, spec, (c, length), batch, 7000 + i)
    x = case.uniform((batch, c, length))
    k = spec["kernelSize"]
    case.params = [case.uniform((c, filters, k), -0.5, 0.5), case.uniform((filters,), -0.5, 0.5)]
    lo, left = transposed_axis(length, spec)

    def forward(xt, wt, bt):
        full = F.conv_transpose1d(xt, wt, None, stride=spec.get("stride", 1), dilation=spec.get("dilation", 1))
        return transposed_crop(full, [(2, lo)], [left]) + bt.view(1, -1, 1)

    return run(case, x, case.params, forward)


def lstm_case(i, name, steps, features, units, batch, return_sequences):
    spec = {"kind": "lstm", "units": units, "returnSequences": return_sequences}
    case = Case(name, spec, (steps, features), batch, 8000 + i)
    x = case.uniform((batch, steps, features))
    # PyTorch's gate blocks are (input, forget, cell, output); the engine's are ONNX's (input, output, forget, cell).
    w_ih, w_hh, b = case.uniform((4 * units, features), -0.6, 0.6), case.uniform((4 * units, units), -0.6, 0.6), case.uniform((4 * units,), -0.5, 0.5)
    order = np.concatenate([np.arange(g * units, (g + 1) * units) for g in (0, 3, 1, 2)])
    case.params = [w_ih[order].T.copy(), w_hh[order].T.copy(), b[order].copy()]

    def forward(xt, ours_ih, ours_hh, ours_b):
        inverse = torch.tensor(np.argsort(order))
        # nn.LSTM's own kernel (what its forward calls), with the second bias zero: the engine keeps one.
        y = torch._VF.lstm(xt, (torch.zeros(1, batch, units), torch.zeros(1, batch, units)),
                              [ours_ih.T[inverse], ours_hh.T[inverse], ours_b[inverse], torch.zeros(4 * units)],
                              True, 1, 0.0, False, False, True)[0]
        return y if return_sequences else y[:, -1, :]

    return run(case, x, case.params, forward)


def gru_case(i, name, steps, features, units, batch, return_sequences):
    spec = {"kind": "gru", "units": units, "returnSequences": return_sequences}
    case = Case(name, spec, (steps, features), batch, 9000 + i)
    x = case.uniform((batch, steps, features))
    # PyTorch's gate blocks are (reset, update, new); the engine's are ONNX's (update, reset, candidate).
    w_ih, w_hh = case.uniform((3 * units, features), -0.6, 0.6), case.uniform((3 * units, units), -0.6, 0.6)
    b_ih, b_hh = case.uniform((3 * units,), -0.5, 0.5), case.uniform((3 * units,), -0.5, 0.5)
    order = np.concatenate([np.arange(g * units, (g + 1) * units) for g in (1, 0, 2)])
    case.params = [w_ih[order].T.copy(), w_hh[order].T.copy(), b_ih[order].copy(), b_hh[order].copy()]

    def forward(xt, ours_ih, ours_hh, ours_bih, ours_bhh):
        inverse = torch.tensor(np.argsort(order))
        # nn.GRU's own kernel (what its forward calls).
        y = torch._VF.gru(xt, torch.zeros(1, batch, units),
                             [ours_ih.T[inverse], ours_hh.T[inverse], ours_bih[inverse], ours_bhh[inverse]],
                             True, 1, 0.0, False, False, True)[0]
        return y if return_sequences else y[:, -1, :]

    return run(case, x, case.params, forward)


def avg_pool2d_case(i, name, c, h, w, batch, **spec):
    spec = {"kind": "avg_pool2d", **spec}
    case = Case(name, spec, (c, h, w), batch, 9000 + i)
    x = case.uniform((batch, c, h, w))
    pool = spec.get("poolSize", 2)
    stride = spec.get("stride", 0) or pool

    def forward(xt):
        # nn.AvgPool2d's default count_include_pad=True: the padding counts in the divisor, ceil mode's overhang does not.
        return F.avg_pool2d(xt, pool, stride, padding=spec.get("padding", 0), ceil_mode=spec.get("ceilMode", False), count_include_pad=True)

    return run(case, x, [], forward)


def elementwise_case(i, name, spec, forward, size, batch, low, high):
    """An element-wise layer over flat rows of `size`, its inputs drawn from [low, high) so every branch is reached."""
    case = Case(name, spec, (size,), batch, 10000 + i)
    return run(case, case.uniform((batch, size), low, high), [], forward)


def main():
    conv2d = [
        conv2d_case(0, "k3 s2 same, odd 7x11, C3 F5", 3, 7, 11, 5, 3, kernelSize=3, stride=2),
        conv2d_case(1, "k5 s3 same (one-sided), 13x17, C1 F13", 1, 13, 17, 13, 2, kernelSize=5, stride=3),
        conv2d_case(2, "k7 s1 same, 13x17, C5 F3, batch 1", 5, 13, 17, 3, 1, kernelSize=7),
        conv2d_case(3, "k2 s1 same (pad after only), 5x7, C13 F5", 13, 5, 7, 5, 2, kernelSize=2),
        conv2d_case(4, "k1 s2 valid, 7x11, C5 F13", 5, 7, 11, 13, 5, kernelSize=1, stride=2, padding="Valid"),
        conv2d_case(5, "k3 s1 d2 explicit 1, 9x11, C3 F5", 3, 9, 11, 5, 2, kernelSize=3, dilation=2, padding="Explicit", explicitPadding=1),
        conv2d_case(6, "k5 s2 d2 same, 13x17, C3 F1", 3, 13, 17, 1, 2, kernelSize=5, stride=2, dilation=2),
        conv2d_case(7, "k3 s1 same, 1x23 image, C3 F5", 3, 1, 23, 5, 7, kernelSize=3),
        conv2d_case(8, "k2 s2 valid, 7x11 (drops last row/col), C1 F3", 1, 7, 11, 3, 13, kernelSize=2, stride=2, padding="Valid"),
        conv2d_case(9, "k3 s3 explicit 4 (wider than kernel), 7x11, C3 F5", 3, 7, 11, 5, 2, kernelSize=3, stride=3, padding="Explicit", explicitPadding=4),
        conv2d_case(10, "k3 s1 same, 3x5, C8 F8, batch 11", 8, 3, 5, 8, 11, kernelSize=3),
        conv2d_case(11, "k1 s1 same, 5x3, C13 F13, batch 1", 13, 5, 3, 13, 1, kernelSize=1),
        conv2d_case(12, "k7 s2 valid, 13x17, C1 F5", 1, 13, 17, 5, 3, kernelSize=7, stride=2, padding="Valid"),
        conv2d_case(13, "k3 s1 d3 valid, 9x11, C5 F3", 5, 9, 11, 3, 2, kernelSize=3, dilation=3, padding="Valid"),
        conv2d_case(14, "k5 s1 explicit 1 (less than kernel), 9x11, C3 F5", 3, 9, 11, 5, 2, kernelSize=5, padding="Explicit", explicitPadding=1),
        conv2d_case(15, "k3 s1 same, 9x9, C1 F16, batch 2", 1, 9, 9, 16, 2, kernelSize=3),
        conv2d_case(16, "k7 s1 same, kernel larger than the 3x4 image, C3 F5", 3, 3, 4, 5, 3, kernelSize=7),
        conv2d_case(17, "k5 s1 same, 1x9 image, C1 F3", 1, 1, 9, 3, 2, kernelSize=5),
        conv2d_case(18, "k3 s2 same, 11x1 image, C5 F3", 5, 11, 1, 3, 2, kernelSize=3, stride=2),
        conv2d_case(19, "k1 s3 same (stride past the kernel), 7x11, C3 F5", 3, 7, 11, 5, 2, kernelSize=1, stride=3),
        conv2d_case(20, "k2 s3 same, 13x17, C3 F3", 3, 13, 17, 3, 2, kernelSize=2, stride=3),
        conv2d_case(21, "k3 s1 same, 4x8 (flat planes), C16 F8, batch 2", 16, 4, 8, 8, 2, kernelSize=3),
        conv2d_case(22, "k4 s1 valid, 5x7, C8 F16, batch 2", 8, 5, 7, 16, 2, kernelSize=4, padding="Valid"),
        conv2d_case(23, "k3 s1 pads (top 2, left 0, bottom 0, right 1), 6x7, C3 F5", 3, 6, 7, 5, 2, kernelSize=3, padding="Explicit",
                    explicitPads={"top": 2, "left": 0, "bottom": 0, "right": 1}),
        conv2d_case(24, "k3 s2 pads (1, 0, 0, 2), 7x9, C2 F3", 2, 7, 9, 3, 2, kernelSize=3, stride=2, padding="Explicit",
                    explicitPads={"top": 1, "left": 0, "bottom": 0, "right": 2}),
        conv2d_case(25, "k3 s1 pads (2, 0, 0, 2), 4x6 (flat planes), C8 F8", 8, 4, 6, 8, 2, kernelSize=3, padding="Explicit",
                    explicitPads={"top": 2, "left": 0, "bottom": 0, "right": 2}),
    ]
    conv_transpose2d = [
        conv_transpose2d_case(0, "k3 s2 same, 4x6, C5 F3", 5, 4, 6, 3, 3, kernelSize=3, stride=2),
        conv_transpose2d_case(1, "k2 s2 valid, 5x5, C3 F13", 3, 5, 5, 13, 1, kernelSize=2, stride=2, padding="Valid"),
        conv_transpose2d_case(2, "k3 s2 explicit 1 op 1, 4x7, C1 F5", 1, 4, 7, 5, 3, kernelSize=3, stride=2, padding="Explicit", explicitPadding=1, outputPadding=1),
        conv_transpose2d_case(3, "k5 s3 valid op 2, 3x4, C3 F3", 3, 3, 4, 3, 1, kernelSize=5, stride=3, padding="Valid", outputPadding=2),
        conv_transpose2d_case(4, "k1 s2 same (last row bias only), 5x3, C5 F1", 5, 5, 3, 1, 3, kernelSize=1, stride=2),
        conv_transpose2d_case(5, "k3 s1 d2 same, 7x11, C3 F5", 3, 7, 11, 5, 2, kernelSize=3, dilation=2),
        conv_transpose2d_case(6, "k7 s1 explicit 2, 5x6, C13 F3", 13, 5, 6, 3, 2, kernelSize=7, padding="Explicit", explicitPadding=2),
        conv_transpose2d_case(7, "k4 s2 explicit 1, 3x5, C8 F8, batch 5", 8, 3, 5, 8, 5, kernelSize=4, stride=2, padding="Explicit", explicitPadding=1),
        conv_transpose2d_case(8, "k2 s3 valid (gaps: bias only), 4x3, C3 F5", 3, 4, 3, 5, 2, kernelSize=2, stride=3, padding="Valid"),
        conv_transpose2d_case(9, "k3 s2 d2 explicit 1 op 1, 3x4, C5 F3", 5, 3, 4, 3, 2, kernelSize=3, stride=2, dilation=2, padding="Explicit", explicitPadding=1, outputPadding=1),
        conv_transpose2d_case(10, "k5 s3 same, 3x5, C1 F3, batch 4", 1, 3, 5, 3, 4, kernelSize=5, stride=3),
        conv_transpose2d_case(11, "k2 s2 same, 1x7 image, C3 F5", 3, 1, 7, 5, 2, kernelSize=2, stride=2),
        conv_transpose2d_case(12, "k3 s2 d2 same, 3x4, C3 F5", 3, 3, 4, 5, 2, kernelSize=3, stride=2, dilation=2),
        conv_transpose2d_case(13, "k4 s3 same (one-sided crop), 3x2, C5 F3", 5, 3, 2, 3, 3, kernelSize=4, stride=3),
        conv_transpose2d_case(14, "k6 s2 explicit 3 op 1, 2x3, C1 F1, batch 1", 1, 2, 3, 1, 1, kernelSize=6, stride=2, padding="Explicit", explicitPadding=3, outputPadding=1),
        conv_transpose2d_case(15, "k3 s2 pads (1, 0, 0, 2) op 1, 3x5, C2 F3", 2, 3, 5, 3, 2, kernelSize=3, stride=2, padding="Explicit",
                              explicitPads={"top": 1, "left": 0, "bottom": 0, "right": 2}, outputPadding=1),
    ]
    max_pool2d = [
        max_pool2d_case(0, "2/2, 7x11 floor", 3, 7, 11, 3, poolSize=2),
        max_pool2d_case(1, "2/2 ceil, 7x11", 3, 7, 11, 3, poolSize=2, ceilMode=True),
        max_pool2d_case(2, "3/2 overlapping, 13x17", 5, 13, 17, 2, poolSize=3, stride=2),
        max_pool2d_case(3, "3/2 ceil, 8x10", 1, 8, 10, 3, poolSize=3, stride=2, ceilMode=True),
        max_pool2d_case(4, "2/3 gaps, 13x17", 3, 13, 17, 2, poolSize=2, stride=3),
        max_pool2d_case(5, "3/3 ceil, 7x11", 13, 7, 11, 1, poolSize=3, ceilMode=True),
        max_pool2d_case(6, "2/1, 5x5", 3, 5, 5, 3, poolSize=2, stride=1),
        max_pool2d_case(7, "5/5 ceil, 1 window row past an edge, 6x11", 1, 6, 11, 2, poolSize=5, ceilMode=True),
        max_pool2d_case(8, "2/2 ceil with ties, 7x11", 3, 7, 11, 3, ties=True, poolSize=2, ceilMode=True),
        max_pool2d_case(9, "3/2 overlapping with ties, 9x8", 5, 9, 8, 2, ties=True, poolSize=3, stride=2),
        max_pool2d_case(10, "2/3 ceil, 8x11", 3, 8, 11, 2, poolSize=2, stride=3, ceilMode=True),
        max_pool2d_case(11, "whole image 5/5, 5x5", 3, 5, 5, 17, poolSize=5),
        max_pool2d_case(12, "1/1 identity, 3x4", 3, 3, 4, 2, poolSize=1),
        max_pool2d_case(13, "2/2 ceil, 1 row short, 2x9", 13, 2, 9, 2, poolSize=2, ceilMode=True),
    ]
    upsample2d = [
        upsample2d_case(0, "nearest x2, 7x11", 3, 7, 11, 2, scale=2),
        upsample2d_case(1, "nearest x3, 1x5", 5, 1, 5, 2, scale=3),
        upsample2d_case(2, "bilinear x2, 7x11", 3, 7, 11, 2, scale=2, mode="Bilinear"),
        upsample2d_case(3, "bilinear x3, 5x4", 1, 5, 4, 2, scale=3, mode="Bilinear"),
        upsample2d_case(4, "bilinear x2, 1x6 (one row)", 13, 1, 6, 1, scale=2, mode="Bilinear"),
        upsample2d_case(5, "bilinear x5, 2x3", 3, 2, 3, 2, scale=5, mode="Bilinear"),
        upsample2d_case(6, "bilinear x2, 1x1", 5, 1, 1, 3, scale=2, mode="Bilinear"),
        upsample2d_case(7, "nearest x1, 3x5", 3, 3, 5, 2, scale=1),
        upsample2d_case(8, "bilinear x1, 3x5", 3, 3, 5, 2, scale=1, mode="Bilinear"),
        upsample2d_case(9, "nearest x2, 3x5, batch 17", 1, 3, 5, 17, scale=2),
    ]
    batch_norm2d = [
        batch_norm2d_case(0, "train, C3 7x11 batch 3", 3, 7, 11, 3, True),
        batch_norm2d_case(1, "train, C13 1x5 batch 2, momentum 0.3", 13, 1, 5, 2, True, momentum=0.3),
        batch_norm2d_case(2, "train, C5 3x3 batch 1, eps 1e-3", 5, 3, 3, 1, True, epsilon=1e-3),
        batch_norm2d_case(3, "eval, C3 7x11 batch 3", 3, 7, 11, 3, False),
        batch_norm2d_case(4, "eval, C5 2x3 batch 1, eps 0.01", 5, 2, 3, 1, False, epsilon=0.01),
        batch_norm2d_case(5, "train, C3 1x1 batch 2 (two values a channel)", 3, 1, 1, 2, True),
        batch_norm2d_case(6, "train, C1 1x2 batch 1, momentum 1", 1, 1, 2, 1, True, momentum=1.0),
        batch_norm2d_case(7, "train, C2 5x7 batch 17, momentum 0", 2, 5, 7, 17, True, momentum=0.0),
        batch_norm2d_case(8, "eval, C13 1x1 batch 5", 13, 1, 1, 5, False),
    ]
    conv1d = [
        conv1d_case(0, "k3 s2 same, L 23, C3 F5", 3, 23, 5, 3, kernelSize=3, stride=2),
        conv1d_case(1, "k5 s1 d2 same, L 17, C1 F13", 1, 17, 13, 2, kernelSize=5, dilation=2),
        conv1d_case(2, "k2 s3 valid, L 29, C5 F3", 5, 29, 3, 3, kernelSize=2, stride=3, padding="Valid"),
        conv1d_case(3, "k7 s1 explicit 2, L 11, C13 F5, batch 1", 13, 11, 5, 1, kernelSize=7, padding="Explicit", explicitPadding=2),
        conv1d_case(4, "k1 s1 same, L 9, C3 F3", 3, 9, 3, 5, kernelSize=1),
        conv1d_case(5, "k4 s2 d3 explicit 3, L 19, C3 F5", 3, 19, 5, 2, kernelSize=4, stride=2, dilation=3, padding="Explicit", explicitPadding=3),
        conv1d_case(6, "k9 s1 same, kernel longer than L 5, C2 F3", 2, 5, 3, 3, kernelSize=9),
        conv1d_case(7, "k3 s1 causal, L 13, C3 F5", 3, 13, 5, 3, kernelSize=3, padding="Causal"),
        conv1d_case(8, "k4 s2 d2 causal, L 17, C2 F3", 2, 17, 3, 2, kernelSize=4, stride=2, dilation=2, padding="Causal"),
        conv1d_case(9, "k3 s1 causal, L 6, C8 F8, batch 3", 8, 6, 8, 3, kernelSize=3, padding="Causal"),
        conv1d_case(10, "k3 s2 explicit pads (2, 0), L 12, C3 F4", 3, 12, 4, 2, kernelSize=3, stride=2, padding="Explicit",
                    explicitPads={"left": 2, "right": 0}),
        conv1d_case(11, "k5 s1 explicit pads (0, 3), L 9, C2 F3", 2, 9, 3, 2, kernelSize=5, padding="Explicit",
                    explicitPads={"left": 0, "right": 3}),
    ]
    conv_transpose1d = [
        conv_transpose1d_case(0, "k3 s2 same, L 12, C5 F3", 5, 12, 3, 3, kernelSize=3, stride=2),
        conv_transpose1d_case(1, "k5 s3 explicit 1 op 2, L 7, C3 F1", 3, 7, 1, 2, kernelSize=5, stride=3, padding="Explicit", explicitPadding=1, outputPadding=2),
        conv_transpose1d_case(2, "k2 s1 d3 valid, L 9, C1 F13", 1, 9, 13, 3, kernelSize=2, dilation=3, padding="Valid"),
        conv_transpose1d_case(3, "k1 s3 same (bias-only gaps), L 5, C3 F2", 3, 5, 2, 2, kernelSize=1, stride=3),
        conv_transpose1d_case(4, "k4 s2 d2 explicit 2 op 1, L 6, C5 F3", 5, 6, 3, 2, kernelSize=4, stride=2, dilation=2, padding="Explicit", explicitPadding=2, outputPadding=1),
        conv_transpose1d_case(5, "k3 s2 pads (0, 1), L 6, C3 F2 (a causal convolution's mirror)", 3, 6, 2, 2, kernelSize=3, stride=2,
                              padding="Explicit", explicitPads={"left": 0, "right": 1}),
        conv_transpose1d_case(6, "k2 s3 pads (0, 0) op 2, L 5, C2 F3", 2, 5, 3, 2, kernelSize=2, stride=3,
                              padding="Explicit", explicitPads={"left": 0, "right": 0}, outputPadding=2),
    ]
    lstm = [
        lstm_case(0, "T7 F3 H5 last", 7, 3, 5, 3, False),
        lstm_case(1, "T1 F1 H1 sequences", 1, 1, 1, 2, True),
        lstm_case(2, "T11 F5 H13 sequences, batch 1", 11, 5, 13, 1, True),
        lstm_case(3, "T5 F2 H3 last, batch 17", 5, 2, 3, 17, False),
        lstm_case(4, "T3 F13 H7 sequences", 3, 13, 7, 5, True),
        lstm_case(5, "T9 F2 H3 sequences, batch 33 (three row groups)", 9, 2, 3, 33, True),
        lstm_case(6, "T23 F1 H17 last, batch 2", 23, 1, 17, 2, False),
    ]
    gru = [
        gru_case(0, "T7 F3 H5 last", 7, 3, 5, 3, False),
        gru_case(1, "T1 F1 H1 sequences", 1, 1, 1, 2, True),
        gru_case(2, "T11 F5 H13 sequences, batch 1", 11, 5, 13, 1, True),
        gru_case(3, "T5 F2 H3 last, batch 17", 5, 2, 3, 17, False),
        gru_case(4, "T3 F13 H7 sequences", 3, 13, 7, 5, True),
        gru_case(5, "T9 F2 H3 sequences, batch 33 (three row groups)", 9, 2, 3, 33, True),
        gru_case(6, "T23 F1 H17 last, batch 2", 23, 1, 17, 2, False),
    ]
    avg_pool2d = [
        avg_pool2d_case(0, "2/2, 7x11 floor", 3, 7, 11, 2, poolSize=2),
        avg_pool2d_case(1, "3/1 pad 1 (padding counted), 5x6", 2, 5, 6, 2, poolSize=3, stride=1, padding=1),
        avg_pool2d_case(2, "3/2 pad 1 ceil, overhang of 1 past the padding, 8x10", 1, 8, 10, 2, poolSize=3, stride=2, padding=1, ceilMode=True),
        avg_pool2d_case(3, "2/2 pad 1 ceil, a window starting in the padding dropped, 5x3", 3, 5, 3, 2, poolSize=2, stride=2, padding=1, ceilMode=True),
        avg_pool2d_case(4, "2/3 ceil, a window starting past the image dropped, 6x7", 1, 6, 7, 2, poolSize=2, stride=3, ceilMode=True),
    ]
    # Each activation on both sides of its bend; ReLU6 and Hardtanh bounds with values beyond both.
    elu = [elementwise_case(0, "elu, 13 values in [-4, 4)", {"kind": "activation", "function": "Elu"}, F.elu, 13, 3, -4, 4)]
    softplus = [elementwise_case(1, "softplus, 13 values in [-6, 6)", {"kind": "activation", "function": "Softplus"}, F.softplus, 13, 3, -6, 6)]
    gelu = [elementwise_case(2, "gelu (erf), 13 values in [-4, 4)", {"kind": "activation", "function": "Gelu"}, F.gelu, 13, 3, -4, 4)]
    silu = [elementwise_case(3, "silu, 13 values in [-6, 6)", {"kind": "activation", "function": "Silu"}, F.silu, 13, 3, -6, 6)]
    clipped_linear = [
        elementwise_case(4, "relu6 [0, 6], 13 values in [-8, 8)", {"kind": "clipped_linear", "lower": 0.0, "upper": 6.0},
                         lambda x: F.hardtanh(x, 0.0, 6.0), 13, 3, -8, 8),
        elementwise_case(5, "hardtanh [-0.5, 0.75], 13 values in [-2, 2)", {"kind": "clipped_linear", "lower": -0.5, "upper": 0.75},
                         lambda x: F.hardtanh(x, -0.5, 0.75), 13, 3, -2, 2),
    ]
    families = {
        "conv2d": conv2d, "conv_transpose2d": conv_transpose2d, "max_pool2d": max_pool2d, "upsample2d": upsample2d,
        "batch_norm2d": batch_norm2d, "conv1d": conv1d, "conv_transpose1d": conv_transpose1d, "lstm": lstm, "gru": gru,
        "avg_pool2d": avg_pool2d, "elu": elu, "softplus": softplus, "gelu": gelu, "silu": silu, "clipped_linear": clipped_linear,
    }
    for family, cases in families.items():
        with open(os.path.join(HERE, f"{family}.expected.json"), "w") as f:
            json.dump({"generator": "make_parity_fixtures.py", "torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
            f.write("\n")


if __name__ == "__main__":
    main()
