"""Writes the PyTorch-exported autoencoders the torch import tests read (TorchOnnxImportTests.cs).

How the committed files were made: Debian's python3-torch 1.13 and python3-onnx 1.12, with
    /usr/bin/python3 test/Microsoft.ML.Autoencoders.Tests/Import/TorchModels/make_torch_models.py test/Microsoft.ML.Autoencoders.Tests/Import/TorchModels
The tests read the committed files and do not run this script: CI has python3-onnx but not python3-torch, and these
graphs must be what torch.onnx.export writes, not a hand-made imitation. Run it again only to change the set: append new
cases at the end (the weights come from one seeded stream, in order), write to another folder and commit only the new
files. On 2026-12-05 a run gave every committed .onnx back byte for byte, but a few convolution models' expected values
differed from the committed ones by up to 6e-8 (PyTorch's convolution is not bitwise repeatable here), far inside the
tests' 1e-5.

Each model is written the way PyTorch tutorials write autoencoders (nn.Sequential stacks, encoder/decoder modules,
x.view(x.size(0), -1), nn.Flatten, a reshape back (nn.Unflatten does not export in torch 1.13), nn.Upsample; a VAE returning
(reconstruction, mu, logvar); LSTM/GRU autoencoders batch-first and time-major), with seeded random weights (batch norm
statistics and PReLU slopes made non-trivial), put in eval mode and exported with torch.onnx.export: most with a dynamic batch axis (dynamic_axes), one
with the fixed batch of its dummy input, at opset 13 or 17. Beside NAME.onnx, NAME.expected.json holds fixed input rows
and what PyTorch computes for them in eval mode: "input", "reconstruction", "code" (the encoder's output) and "error"
(per-row mean squared error), all flattened per row, plus "input_name", "reconstruction_name", "code_size", "opset".
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

ROWS = 12
torch.manual_seed(20261204)


class EncoderDecoder(nn.Module):
    """The tutorial shape: self.encoder, self.decoder, forward returns the reconstruction."""

    def __init__(self, encoder, decoder, return_code=False):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.return_code = return_code

    def encode(self, x):
        return self.encoder(x)

    def forward(self, x):
        code = self.encoder(x)
        reconstruction = self.decoder(code)
        return (code, reconstruction) if self.return_code else reconstruction


class ConvDenseView(nn.Module):
    """Conv down, x.view(x.size(0), -1), a dense code, x.view(-1, C, H, W), transposed conv up."""

    def __init__(self, flat_input):
        super().__init__()
        self.flat_input = flat_input
        self.conv = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.fc_code = nn.Linear(8 * 4 * 4, 10)
        self.fc_back = nn.Linear(10, 8 * 4 * 4)
        self.deconv = nn.Sequential(nn.ConvTranspose2d(8, 4, 2, stride=2), nn.ReLU(),
                                    nn.ConvTranspose2d(4, 1, 2, stride=2), nn.Sigmoid())

    def encode(self, x):
        if self.flat_input:
            x = x.view(-1, 1, 16, 16)
        x = self.conv(x)
        x = x.view(x.size(0), -1)
        return torch.relu(self.fc_code(x))

    def forward(self, x):
        x = torch.relu(self.fc_back(self.encode(x)))
        x = x.view(-1, 8, 4, 4)
        x = self.deconv(x)
        return x.view(x.size(0), -1) if self.flat_input else x


class Unflatten(nn.Module):
    """x.reshape(x.size(0), C, H, W): the module tutorials write where nn.Unflatten does not export."""

    def __init__(self, shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.reshape(x.size(0), *self.shape)


def rows(t):
    # Nine significant digits give each float32 back exactly and keep the files small.
    return [[float(f"{v:.9g}") for v in r] for r in t.tolist()]


def conv_flatten():
    encoder = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(), nn.Linear(4 * 8 * 8, 12), nn.ReLU())
    # nn.Unflatten(1, (4, 8, 8)) is what this would use, but torch 1.13 cannot export aten::unflatten at any opset.
    decoder = nn.Sequential(nn.Linear(12, 4 * 8 * 8), nn.ReLU(), Unflatten((4, 8, 8)),
                            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(4, 1, 3, padding=1), nn.Sigmoid())
    return EncoderDecoder(encoder, decoder)


def mlp_sequential():
    encoder = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 8), nn.ReLU())
    decoder = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 64), nn.Sigmoid())
    return EncoderDecoder(encoder, decoder)


def mlp_mixed():
    encoder = nn.Sequential(nn.Linear(32, 16), nn.BatchNorm1d(16), nn.Tanh(), nn.Dropout(0.2), nn.Linear(16, 6), nn.LeakyReLU(0.1))
    decoder = nn.Sequential(nn.Linear(6, 16), nn.LeakyReLU(), nn.Dropout(0.2), nn.Linear(16, 32))
    return EncoderDecoder(encoder, decoder)


def conv_transpose():
    encoder = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    decoder = nn.Sequential(nn.ConvTranspose2d(8, 4, 2, stride=2), nn.ReLU(), nn.ConvTranspose2d(4, 1, 2, stride=2), nn.Sigmoid())
    return EncoderDecoder(encoder, decoder)


def conv_upsample(mode):
    encoder = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    up = dict(mode=mode) if mode == "nearest" else dict(mode=mode, align_corners=False)
    decoder = nn.Sequential(nn.Upsample(scale_factor=2, **up), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
                            nn.Upsample(scale_factor=2, **up), nn.Conv2d(4, 1, 3, padding=1), nn.Sigmoid())
    return EncoderDecoder(encoder, decoder)


class Residual(nn.Module):
    """A skip connection, h + f(h): a branching graph the engine's chains of layers cannot hold (the import refuses it)."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3, self.fc4 = nn.Linear(16, 12), nn.Linear(12, 12), nn.Linear(12, 4), nn.Linear(4, 16)

    def encode(self, x):
        h = torch.relu(self.fc1(x))
        h = h + torch.relu(self.fc2(h))
        return self.fc3(h)

    def forward(self, x):
        return torch.sigmoid(self.fc4(self.encode(x)))


def mlp_image_input():
    # Images [N, 1, 8, 8] through an MLP: nn.Flatten in, x.view(-1, 1, 8, 8) out (as a module, for nn.Sequential).
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(64, 24), nn.ReLU(), nn.Linear(24, 6), nn.ReLU())
    decoder = nn.Sequential(nn.Linear(6, 24), nn.ReLU(), nn.Linear(24, 64), nn.Sigmoid(), View((-1, 1, 8, 8)))
    return EncoderDecoder(encoder, decoder)


class View(nn.Module):
    """x.view(shape) as a module."""

    def __init__(self, shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.view(*self.shape)


def conv_code_as_wide_as_decoder():
    encoder = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    decoder = nn.Sequential(nn.ConvTranspose2d(4, 1, 2, stride=2), nn.Sigmoid())
    return EncoderDecoder(encoder, decoder)


def conv1d_sequence():
    # Series [N, 2, 16]: Conv1d down (one without bias), a dense code, a reshape back, ConvTranspose1d (padding and
    # output_padding) and Conv1d up.
    encoder = nn.Sequential(nn.Conv1d(2, 4, 3, padding=1, bias=False), nn.ReLU(), nn.Conv1d(4, 4, 3, stride=2, padding=1), nn.ReLU(),
                            nn.Flatten(), nn.Linear(4 * 8, 6), nn.Tanh())
    decoder = nn.Sequential(nn.Linear(6, 4 * 8), nn.ReLU(), Unflatten((4, 8)),
                            nn.ConvTranspose1d(4, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(), nn.Conv1d(4, 2, 3, padding=1))
    return EncoderDecoder(encoder, decoder)


def mlp_with(hidden, code):
    # A small MLP with the activations under test: hidden after the wide layers, code after the narrowest.
    encoder = nn.Sequential(nn.Linear(16, 10), hidden(), nn.Linear(10, 4), code())
    decoder = nn.Sequential(nn.Linear(4, 10), hidden(), nn.Linear(10, 16))
    return EncoderDecoder(encoder, decoder)


class SequenceAutoencoder(nn.Module):
    """The LSTM/GRU autoencoder of the time-series tutorials over windows [N, T, C] (batch_first=True): the encoder's last
    hidden state, h_n[-1] (or output[:, -1]), through an optional nn.Linear to the code; the code repeated for every step
    (x.unsqueeze(1).repeat(1, T, 1) or .expand(-1, T, -1)) into a decoder nn.LSTM/nn.GRU; a per-step nn.Linear back to C.
    num_layers stacks both the encoder and the decoder. The refused forms change one thing: bidirectional, or the code
    taken from the cell state c_n."""

    def __init__(self, cell, steps, channels, hidden, code=None, repeat="repeat", last="hidden", activation=None, time_major=False, **options):
        super().__init__()
        width = code or hidden
        self.steps, self.repeat, self.last, self.is_lstm, self.time_major = steps, repeat, last, cell is nn.LSTM, time_major
        self.encoder = cell(channels, hidden, batch_first=not time_major, **options)
        self.code = nn.Linear(hidden, code) if code else None
        self.decoder = cell(width, hidden, batch_first=not time_major, num_layers=options.get("num_layers", 1))
        self.activation = activation() if activation else None
        self.output = nn.Linear(hidden, channels)

    def encode(self, x):
        states, last = self.encoder(x)
        hidden, cell = last if self.is_lstm else (last, None)
        last_output = (lambda: states[-1]) if self.time_major else (lambda: states[:, -1, :])
        code = {"hidden": lambda: hidden[-1], "output": last_output, "cell": lambda: cell[-1]}[self.last]()
        return self.code(code) if self.code else code

    def forward(self, x):
        if self.time_major:  # nn.LSTM's default layout, windows [T, N, C]: the code repeated along the first axis
            code = self.encode(x).unsqueeze(0)
            repeated = code.repeat(self.steps, 1, 1) if self.repeat == "repeat" else code.expand(self.steps, -1, -1)
        else:
            code = self.encode(x).unsqueeze(1)
            repeated = code.repeat(1, self.steps, 1) if self.repeat == "repeat" else code.expand(-1, self.steps, -1)
        states, _ = self.decoder(repeated)
        if self.activation:
            states = self.activation(states)
        return self.output(states)


def conv_gelu_silu():
    # The code (2×4×4, after the SiLU) is narrower than the pooling's output, so it is found as the encoder's end.
    encoder = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.GELU(), nn.MaxPool2d(2), nn.Conv2d(4, 2, 3, padding=1), nn.SiLU())
    decoder = nn.Sequential(nn.ConvTranspose2d(2, 4, 2, stride=2), nn.GELU(), nn.Conv2d(4, 1, 3, padding=1), nn.Sigmoid())
    return EncoderDecoder(encoder, decoder)


def conv_avgpool(ceil_mode):
    # 16×16 → 8 → 4 (window 3, stride 2, padding 1); in ceil mode 7×7 → 4 → 3, back up to 7 by a transposed convolution.
    encoder = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2, ceil_mode=ceil_mode),
                            nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(), nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=ceil_mode),
                            nn.Conv2d(4, 2, 3, padding=1))
    if ceil_mode:
        decoder = nn.Sequential(nn.ConvTranspose2d(2, 4, 3, stride=2), nn.ReLU(), nn.Conv2d(4, 1, 3, padding=1), nn.Sigmoid())
    else:
        decoder = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(),
                                nn.Upsample(scale_factor=2), nn.Conv2d(4, 1, 3, padding=1), nn.Sigmoid())
    return EncoderDecoder(encoder, decoder)


class Permute(nn.Module):
    """x.permute(dims) as a module, for nn.Sequential."""

    def __init__(self, *dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.permute(*self.dims)


class ChannelsLast(nn.Module):
    """Rows stored channels-last, [N, H, W, C] (or [N, L, C] for a series), as Keras models and image loaders keep them:
    x.permute to channels-first before the convolutions and back after the last layer, so the reconstruction is
    channels-last like the input. The code is what the encoder gives: channels-first as the convolutions give it, or the
    dense code after a Keras-style flatten (x.permute(0, 2, 3, 1) before it)."""

    def __init__(self, encoder, decoder, spatial=2):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.first, self.last = ((0, 3, 1, 2), (0, 2, 3, 1)) if spatial == 2 else ((0, 2, 1), (0, 2, 1))

    def encode(self, x):
        return self.encoder(x.permute(*self.first))

    def forward(self, x):
        return self.decoder(self.encode(x)).permute(*self.last)


def channels_last_conv():
    # [N, 16, 16, 3] → Conv/ReLU/MaxPool twice → code [4, 4, 4] → nn.Upsample (nearest) + Conv, ConvTranspose2d → Sigmoid.
    encoder = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(8, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    decoder = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(),
                            nn.ConvTranspose2d(8, 3, 2, stride=2), nn.Sigmoid())
    return ChannelsLast(encoder, decoder)


def channels_last_dense():
    # Keras's Flatten of an NHWC tensor: Conv (stride 2) → x.permute(0, 2, 3, 1) → flatten → Linear to a code of 6; back up
    # with Linear, a reshape to [N, 4, 4, 4] channels-last, x.permute(0, 3, 1, 2), ConvTranspose2d.
    encoder = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.ReLU(), Permute(0, 2, 3, 1), nn.Flatten(), nn.Linear(64, 6), nn.Tanh())
    decoder = nn.Sequential(nn.Linear(6, 64), nn.ReLU(), Unflatten((4, 4, 4)), Permute(0, 3, 1, 2),
                            nn.ConvTranspose2d(4, 3, 2, stride=2), nn.Sigmoid())
    return ChannelsLast(encoder, decoder)


def channels_last_conv1d():
    # Series [N, 16, 2] (steps, then channels): x.permute(0, 2, 1) → Conv1d down, a dense code, ConvTranspose1d/Conv1d up.
    encoder = nn.Sequential(nn.Conv1d(2, 4, 3, padding=1), nn.ReLU(), nn.Conv1d(4, 4, 3, stride=2, padding=1), nn.ReLU(),
                            nn.Flatten(), nn.Linear(4 * 8, 6), nn.Tanh())
    decoder = nn.Sequential(nn.Linear(6, 4 * 8), nn.ReLU(), Unflatten((4, 8)),
                            nn.ConvTranspose1d(4, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(), nn.Conv1d(4, 2, 3, padding=1))
    return ChannelsLast(encoder, decoder, spatial=1)


class ZeroPad1d(nn.Module):
    """F.pad(x, (left, right)) over a series [N, C, L], as a module for nn.Sequential (nn.ConstantPad1d(..., 0) writes the same)."""

    def __init__(self, left, right):
        super().__init__()
        self.pads = (left, right)

    def forward(self, x):
        return F.pad(x, self.pads)


def conv_zero_pad():
    # nn.ZeroPad2d in front of "valid" convolutions: 1 on every side (16 → 16), then (0, 1, 0, 1) before a stride-2 kernel
    # of 3, which is TensorFlow's "same" (16 → 8, the extra zero at the end); F.pad before the last Conv of the decoder.
    encoder = nn.Sequential(nn.ZeroPad2d(1), nn.Conv2d(1, 4, 3), nn.ReLU(), nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(4, 4, 3, stride=2), nn.ReLU())
    decoder = nn.Sequential(nn.ConvTranspose2d(4, 4, 2, stride=2), nn.ReLU(), ZeroPad2dByFunction((1, 1, 1, 1)), nn.Conv2d(4, 1, 3), nn.Sigmoid())
    return EncoderDecoder(encoder, decoder)


class ZeroPad2dByFunction(nn.Module):
    """F.pad(x, (left, right, top, bottom)) as a module."""

    def __init__(self, pads):
        super().__init__()
        self.pads = pads

    def forward(self, x):
        return F.pad(x, self.pads, mode="constant", value=0.0)


def conv1d_zero_pad():
    # Series [N, 2, 16]: F.pad(x, (1, 1)) → Conv1d(kernel 3), then F.pad(x, (0, 1)) → Conv1d(kernel 3, stride 2) ("same", 16 → 8);
    # ConvTranspose1d back up.
    encoder = nn.Sequential(ZeroPad1d(1, 1), nn.Conv1d(2, 4, 3), nn.ReLU(), ZeroPad1d(0, 1), nn.Conv1d(4, 4, 3, stride=2), nn.ReLU())
    decoder = nn.Sequential(nn.ConvTranspose1d(4, 2, 2, stride=2))
    return EncoderDecoder(encoder, decoder)


class VariationalMlp(nn.Module):
    """The VAE of PyTorch's examples: mean and log-variance heads on one hidden layer, z = mu in eval mode (the sample only
    while training), forward returning (reconstruction, mu, logvar) as the ELBO loss reads them."""

    output_names = ["reconstruction", "mu", "logvar"]

    def __init__(self):
        super().__init__()
        self.fc1, self.fc_mu, self.fc_logvar = nn.Linear(16, 10), nn.Linear(10, 3), nn.Linear(10, 3)
        self.fc3, self.fc4 = nn.Linear(3, 10), nn.Linear(10, 16)

    def encode(self, x):
        return self.fc_mu(torch.relu(self.fc1(x)))

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        mu, logvar = self.fc_mu(h), self.fc_logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        return torch.sigmoid(self.fc4(torch.relu(self.fc3(z)))), mu, logvar


def conv1d_causal():
    # A TCN-style causal series autoencoder, [N, 2, 16]: F.pad(x, (dilation·(k − 1), 0)) before every Conv1d (PyTorch's causal
    # idiom; Keras' padding="causal"), dilation 2 in the second, stride 2 in the third (16 → 8); a ConvTranspose1d whose kernel
    # is its stride (8 → 16, each output reading one code step, so still causal) and a last causal Conv1d to the channels.
    encoder = nn.Sequential(ZeroPad1d(2, 0), nn.Conv1d(2, 4, 3), nn.ReLU(), ZeroPad1d(4, 0), nn.Conv1d(4, 4, 3, dilation=2), nn.ReLU(),
                            ZeroPad1d(2, 0), nn.Conv1d(4, 4, 3, stride=2), nn.ReLU())
    decoder = nn.Sequential(nn.ConvTranspose1d(4, 4, 2, stride=2), nn.ReLU(), ZeroPad1d(2, 0), nn.Conv1d(4, 2, 3))
    return EncoderDecoder(encoder, decoder)


def conv_unequal_pad():
    # nn.ZeroPad2d with different sides, [N, 1, 16, 16]: (left 0, right 2, top 1, bottom 0) before a 3×3 kernel (16×16 →
    # 15×16), (1, 0, 0, 1) before a stride-2 one (→ 7×8); upsampled (→ 14×16) and padded (1, 1, 3, 1) before the last
    # kernel back to 16×16.
    encoder = nn.Sequential(nn.ZeroPad2d((0, 2, 1, 0)), nn.Conv2d(1, 4, 3), nn.ReLU(), nn.ZeroPad2d((1, 0, 0, 1)), nn.Conv2d(4, 4, 3, stride=2), nn.ReLU())
    decoder = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.ZeroPad2d((1, 1, 3, 1)), nn.Conv2d(4, 1, 3), nn.Sigmoid())
    return EncoderDecoder(encoder, decoder)


def conv1d_maxpool_upsample(padded):
    # Keras' Conv1D + MaxPooling1D + UpSampling1D time-series autoencoder as PyTorch writes it, over series [N, 2, 16]:
    # nn.MaxPool1d(2) twice down to [4, 4], nn.Upsample(scale_factor=2) (nearest) twice back up. The padded form pools with
    # nn.MaxPool1d(3, stride=2, padding=1), the same lengths by another window.
    pool = (lambda: nn.MaxPool1d(3, stride=2, padding=1)) if padded else (lambda: nn.MaxPool1d(2))
    encoder = nn.Sequential(nn.Conv1d(2, 4, 3, padding=1), nn.ReLU(), pool(), nn.Conv1d(4, 4, 3, padding=1), nn.ReLU(), pool())
    decoder = nn.Sequential(nn.Conv1d(4, 4, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2), nn.Conv1d(4, 4, 3, padding=1),
                            nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv1d(4, 2, 3, padding=1))
    return EncoderDecoder(encoder, decoder)


def with_trained_layer_norms(model):
    # Fresh LayerNorms have γ = 1 and β = 0, which would hide a mix-up of the two or of their order.
    for module in model.modules():
        if isinstance(module, nn.LayerNorm) and module.elementwise_affine:
            with torch.no_grad():
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.3, 0.3)
    return model


def steps_layer_norm():
    # nn.Linear and nn.LayerNorm per step over windows [N, 6, 3] (the last axis): MatMul + Add and LayerNormalization over
    # [N, T, F]; the decoder's norm with eps 1e-3, not the default.
    encoder = nn.Sequential(nn.Linear(3, 8), nn.LayerNorm(8), nn.Tanh(), nn.Linear(8, 2))
    decoder = nn.Sequential(nn.Linear(2, 8), nn.LayerNorm(8, eps=1e-3), nn.Tanh(), nn.Linear(8, 3))
    return with_trained_layer_norms(EncoderDecoder(encoder, decoder))


def conv_prelu():
    # nn.PReLU(C) after each Conv2d down (a slope per channel: PRelu with a slope [C, 1, 1]), nn.PReLU() between the
    # transposed convolutions up (one slope, [1, 1, 1]), over images [N, 1, 16, 16].
    encoder = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.PReLU(4), nn.MaxPool2d(2),
                            nn.Conv2d(4, 8, 3, padding=1), nn.PReLU(8), nn.MaxPool2d(2))
    decoder = nn.Sequential(nn.ConvTranspose2d(8, 4, 2, stride=2), nn.PReLU(), nn.ConvTranspose2d(4, 1, 2, stride=2), nn.Sigmoid())
    return EncoderDecoder(encoder, decoder)


def conv1d_prelu():
    # nn.PReLU(C) after Conv1d over series [N, 2, 16] (a slope per channel: PRelu with a slope [C, 1]), pooled to the code.
    encoder = nn.Sequential(nn.Conv1d(2, 4, 3, padding=1), nn.PReLU(4), nn.MaxPool1d(2), nn.Conv1d(4, 4, 3, padding=1), nn.PReLU(4),
                            nn.MaxPool1d(2))
    decoder = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv1d(4, 4, 3, padding=1), nn.PReLU(4), nn.Upsample(scale_factor=2),
                            nn.Conv1d(4, 2, 3, padding=1))
    return EncoderDecoder(encoder, decoder)


# name: (model factory, per-row input shape, opset, dynamic batch (True), a fixed batch of one (False) or of that many rows)
CASES = {
    "torch_mlp_sequential": (mlp_sequential, (64,), 13, True),
    "torch_mlp_mixed": (mlp_mixed, (32,), 17, True),
    "torch_mlp_code_output": (lambda: EncoderDecoder(*list(mlp_sequential().children())[:2], return_code=True), (64,), 13, True),
    "torch_mlp_fixed_batch": (mlp_sequential, (64,), 13, False),
    "torch_conv_transpose": (conv_transpose, (1, 16, 16), 13, True),
    "torch_conv_upsample_nearest": (lambda: conv_upsample("nearest"), (1, 16, 16), 13, True),
    "torch_conv_upsample_bilinear": (lambda: conv_upsample("bilinear"), (1, 16, 16), 17, True),
    "torch_conv_dense_view": (lambda: ConvDenseView(flat_input=False), (1, 16, 16), 13, True),
    "torch_conv_dense_view_flat_input": (lambda: ConvDenseView(flat_input=True), (256,), 13, True),
    "torch_conv_dense_view_fixed_batch": (lambda: ConvDenseView(flat_input=False), (1, 16, 16), 13, False),
    "torch_conv_flatten_unflatten": (conv_flatten, (1, 16, 16), 17, True),
    # Appended after the others so that the seeded weights of the ones above stay as they were.
    "torch_mlp_image_input": (mlp_image_input, (1, 8, 8), 17, True),
    "torch_residual_mlp": (Residual, (16,), 13, True),
    # A transposed convolution whose output (1×8×8) is as large as the code before it (4×4×4): the code stays the pooling's.
    "torch_conv_code_as_wide_as_decoder": (conv_code_as_wide_as_decoder, (1, 8, 8), 17, True),
    # torch.onnx.export(model, torch.rand(2, ...)) without dynamic_axes: the batch is fixed at the dummy's 2 rows.
    "torch_mlp_fixed_batch_of_two": (mlp_sequential, (64,), 13, 2),
    "torch_conv_dense_view_fixed_batch_of_two": (lambda: ConvDenseView(flat_input=False), (1, 16, 16), 17, 2),
    "torch_conv1d_sequence": (conv1d_sequence, (2, 16), 13, True),
    "torch_mlp_elu_softplus": (lambda: mlp_with(nn.ELU, nn.Softplus), (16,), 17, True),
    # PyTorch's forks for nn.GELU (Div, Erf, Add, Mul, Mul) and nn.SiLU (Sigmoid and Mul of x): both import as the engine's activations.
    "torch_mlp_gelu": (lambda: mlp_with(nn.GELU, nn.GELU), (16,), 13, True),
    "torch_mlp_silu": (lambda: mlp_with(nn.SiLU, nn.SiLU), (16,), 13, True),
    # Sequence autoencoders over windows [N, T, C]: the engine's lstm, repeat_vector, lstm (every state) and
    # time_distributed_dense layers (gru for nn.GRU); the second with the last output as the code, expand and a fixed batch;
    # the fourth with num_layers=2.
    "torch_lstm_repeat": (lambda: SequenceAutoencoder(nn.LSTM, 10, 2, 12, code=5), (10, 2), 13, True),
    "torch_lstm_expand_last_output": (lambda: SequenceAutoencoder(nn.LSTM, 8, 3, 6, repeat="expand", last="output", activation=nn.Tanh), (8, 3), 17, False),
    "torch_gru_repeat": (lambda: SequenceAutoencoder(nn.GRU, 10, 2, 12, code=5), (10, 2), 17, True),
    # num_layers=2 in the encoder and the decoder: two engine layers each.
    "torch_lstm_two_layers": (lambda: SequenceAutoencoder(nn.LSTM, 6, 2, 4, code=3, num_layers=2), (6, 2), 13, True),
    # Refused: what differs from the engine's recurrent layers is named.
    "torch_lstm_bidirectional": (lambda: SequenceAutoencoder(nn.LSTM, 6, 2, 4, code=3, bidirectional=True), (6, 2), 13, True),
    "torch_lstm_cell_state_code": (lambda: SequenceAutoencoder(nn.LSTM, 6, 2, 4, last="cell"), (6, 2), 13, True),
    # nn.GELU and nn.SiLU between convolutions (the forks their exports are, over images), at opset 17.
    "torch_conv_gelu_silu": (conv_gelu_silu, (1, 8, 8), 17, True),
    # Refused: forks that are not GELU or SiLU. nn.Mish is x·tanh(softplus(x)); GELU's tanh approximation is another function
    # than the exact GELU the engine has, and must not be read as it.
    "torch_mlp_mish": (lambda: mlp_with(nn.Mish, nn.Mish), (16,), 13, True),
    "torch_mlp_gelu_tanh": (lambda: mlp_with(lambda: nn.GELU(approximate="tanh"), nn.Tanh), (16,), 13, True),
    # Refused: an operator the engine has no layer for (HardSigmoid), named as the module.
    "torch_mlp_hardsigmoid": (lambda: mlp_with(nn.Hardsigmoid, nn.Tanh), (16,), 13, True),
    # nn.AvgPool2d down (a Pad of nothing or of the padding, then AveragePool): plain, padded and strided, and in ceil mode.
    "torch_conv_avgpool": (lambda: conv_avgpool(ceil_mode=False), (1, 16, 16), 13, True),
    "torch_conv_avgpool_ceil": (lambda: conv_avgpool(ceil_mode=True), (1, 7, 7), 17, True),
    # nn.ReLU6 and nn.Hardtanh (Clip with its bounds as Constant inputs), the code clipped to [-0.5, 0.75] so both bounds act.
    "torch_mlp_relu6_hardtanh": (lambda: mlp_with(nn.ReLU6, lambda: nn.Hardtanh(-0.5, 0.75)), (16,), 13, True),
    # Channels-last rows (Keras's layout, x.permute in PyTorch): Transpose(0, 3, 1, 2) in front of the first Conv and
    # Transpose(0, 2, 3, 1) after the last layer; a Keras-style flatten (Transpose(0, 2, 3, 1) → Reshape) before a dense
    # code; a series [N, L, C] through Transpose(0, 2, 1) into Conv1d.
    "torch_conv_channels_last": (channels_last_conv, (16, 16, 3), 13, True),
    "torch_conv_channels_last_dense": (channels_last_dense, (8, 8, 3), 17, True),
    "torch_conv1d_channels_last": (channels_last_conv1d, (16, 2), 13, True),
    # A Pad of zeros in front of a Conv (nn.ZeroPad2d, F.pad): folded into the convolution's padding, equal on every side or
    # TensorFlow's "same" at stride 2; over a series [N, C, L] too.
    "torch_conv_zero_pad": (conv_zero_pad, (1, 16, 16), 13, True),
    "torch_conv1d_zero_pad": (conv1d_zero_pad, (2, 16), 17, True),
    # A VAE returning (reconstruction, mu, logvar): its two heads become one dense layer of mean and log-variance and the
    # engine's gaussian_sampling layer, which gives the mean at inference as PyTorch's eval mode does.
    "torch_vae_mean_logvar_outputs": (VariationalMlp, (16,), 17, True),
    # num_layers=2 with a fixed batch: PyTorch sizes each layer's zero state from a Shape of the states before it.
    "torch_lstm_two_layers_fixed_batch": (lambda: SequenceAutoencoder(nn.LSTM, 6, 2, 4, code=3, num_layers=2), (6, 2), 13, False),
    # nn.PReLU() (one slope, learned) and nn.PReLU(10), a slope per feature: both the engine's prelu (the second was refused
    # before the engine had it).
    "torch_mlp_prelu": (lambda: mlp_with(nn.PReLU, lambda: nn.PReLU(init=0.1)), (16,), 13, True),
    "torch_mlp_prelu_per_feature": (lambda: mlp_with(lambda: nn.PReLU(10), nn.Tanh), (16,), 17, True),
    # batch_first=False, PyTorch's default: windows [T, N, C], the batch second (the expected rows stay [N, T, C], batch-first);
    # an LSTM with a dynamic batch and a dense code, a GRU with a fixed batch of one, the last output as the code and expand.
    "torch_lstm_time_major": (lambda: SequenceAutoencoder(nn.LSTM, 6, 2, 5, code=3, time_major=True), (6, 2), 13, True),
    "torch_gru_time_major_fixed_batch": (lambda: SequenceAutoencoder(nn.GRU, 6, 2, 4, repeat="expand", last="output", time_major=True), (6, 2), 17, False),
    # nn.LayerNorm, fresh (γ = 1, β = 0): LayerNormalization at opset 17, its ReduceMean, Sub, Pow, Sqrt, Div decomposition at
    # opset 13; both the engine's layer_norm (the trained-γ/β cases further down tell γ from β).
    "torch_mlp_layernorm": (lambda: mlp_with(lambda: nn.LayerNorm(10), nn.Tanh), (16,), 17, True),
    "torch_mlp_layernorm_opset13": (lambda: mlp_with(lambda: nn.LayerNorm(10), nn.Tanh), (16,), 13, True),
    # Paddings the engine's equal and "same" modes do not have: causal padding of a series, different sides of an image.
    "torch_conv1d_causal": (conv1d_causal, (2, 16), 17, True),
    "torch_conv_unequal_pad": (conv_unequal_pad, (1, 16, 16), 13, True),
    # nn.MaxPool1d and nn.Upsample over series [N, C, L] (the engine's max_pool1d and upsample1d): with a dynamic batch at
    # opset 13, and the padded pooling with a fixed batch at opset 17.
    "torch_conv1d_maxpool_upsample": (lambda: conv1d_maxpool_upsample(padded=False), (2, 16), 13, True),
    "torch_conv1d_maxpool_padded": (lambda: conv1d_maxpool_upsample(padded=True), (2, 16), 17, False),
    # nn.LayerNorm with trained γ and β (the engine's layer_norm): LayerNormalization at opset 17, the ReduceMean, Sub, Pow,
    # ReduceMean, Add, Sqrt, Div, Mul, Add decomposition at opset 13; elementwise_affine=False at opset 13 (no Mul and Add;
    # torch 1.13 cannot export it at opset 17: its LayerNormalization gets an empty scale, which its own checker rejects);
    # over [N, T, F] per step.
    "torch_mlp_layernorm_affine": (lambda: with_trained_layer_norms(mlp_with(lambda: nn.LayerNorm(10), nn.Tanh)), (16,), 17, True),
    "torch_mlp_layernorm_affine_opset13": (lambda: with_trained_layer_norms(mlp_with(lambda: nn.LayerNorm(10), nn.Tanh)), (16,), 13, True),
    "torch_mlp_layernorm_no_affine_opset13": (lambda: mlp_with(lambda: nn.LayerNorm(10, elementwise_affine=False), nn.Tanh), (16,), 13, False),
    "torch_steps_layernorm": (steps_layer_norm, (6, 3), 17, True),
    # nn.PReLU(F) with a slope per feature in the encoder and the code (the engine's prelu per channel of rows) at opset 13;
    # nn.PReLU(C) per channel after Conv2d (nn.PReLU() up) and after Conv1d. Slopes drawn apart by randomize_prelu.
    "torch_mlp_prelu_per_feature_code": (lambda: mlp_with(lambda: nn.PReLU(10), lambda: nn.PReLU(4)), (16,), 13, True),
    "torch_conv_prelu_per_channel": (conv_prelu, (1, 16, 16), 13, True),
    "torch_conv1d_prelu_per_channel": (conv1d_prelu, (2, 16), 17, True),
}


def randomize_batch_norm(model):
    # Fresh batch norms have mean 0 and variance 1, which would hide a mix-up of the statistics.
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.3, 0.3)


def randomize_prelu(model):
    # Fresh PReLUs share one slope (0.25, or init); trained ones differ, which is what tells one slope from one per feature.
    for module in model.modules():
        if isinstance(module, nn.PReLU):
            with torch.no_grad():
                module.weight.uniform_(0.05, 0.4)


def write(name, factory, row_shape, opset, dynamic, out_dir):
    model = factory()
    randomize_batch_norm(model)
    randomize_prelu(model)
    model.eval()
    returns_code = isinstance(model, EncoderDecoder) and model.return_code
    named_outputs = getattr(model, "output_names", None)  # a model whose forward returns (reconstruction, ...) of its own
    time_major = getattr(model, "time_major", False)  # reads [T, N, C]: fed and read back transposed, the rows kept [N, T, C]
    batch = 1 if time_major else 0
    x = torch.rand((ROWS,) + row_shape)
    model_input = x.transpose(0, 1) if time_major else x
    # True: a dynamic batch axis; False: the fixed batch of one that single-image exports have; a number: that fixed batch.
    fixed_rows = 1 if dynamic is False else (2 if dynamic is True else dynamic)
    dummy = model_input.narrow(batch, 0, fixed_rows)
    dynamic = dynamic is True
    outputs = named_outputs or (["code", "reconstruction"] if returns_code else ["reconstruction"])
    axes = {"input": {batch: "batch"}, **{o: {(batch if o == "reconstruction" else 0): "batch"} for o in outputs}} if dynamic else None
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(model, dummy, path, input_names=["input"], output_names=outputs, dynamic_axes=axes, opset_version=opset)
    with torch.no_grad():
        out = model(model_input)
        reconstruction = out[0] if named_outputs else out[1] if returns_code else out
        reconstruction = reconstruction.transpose(0, 1) if time_major else reconstruction
        code = model.encode(model_input)
    flat_x, flat_r = x.reshape(ROWS, -1), reconstruction.reshape(ROWS, -1)
    error = ((flat_x.double() - flat_r.double()) ** 2).mean(dim=1)
    result = {"input_name": "input", "reconstruction_name": "reconstruction", "opset": opset, "dynamic_batch": dynamic,
              "code_size": code.reshape(ROWS, -1).shape[1],
              "input": rows(flat_x), "reconstruction": rows(flat_r), "code": rows(code.reshape(ROWS, -1)), "error": error.tolist()}
    with open(os.path.join(out_dir, name + ".expected.json"), "w") as f:
        json.dump(result, f)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name, (factory, row_shape, opset, dynamic) in CASES.items():
        write(name, factory, row_shape, opset, dynamic, out_dir)
        print(name, os.path.getsize(os.path.join(out_dir, name + ".onnx")), "bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
