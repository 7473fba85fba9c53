#!/usr/bin/env python3
"""Cuts the colour patches the ImageColouring and WatermarkRemoval samples train and test on.

Usage: cut-colour-patches.py OUTPUT_DIR

The photos are sample images that Debian 12 ships on disk, never downloaded: three of python3-skimage's (0.19.3,
skimage/data/) and the raccoon of python3-scipy (1.10.1, scipy/misc/face.dat, a bz2-compressed raw 768x1024 RGB
array), which python3-skimage depends on. The raccoon is there for its fur: with only the other three, fur has the
colours of wood grain and an orange space suit, and the held-out cat comes out orange. Only lossless files are used,
so every decoder gives the same bytes (skimage's rocket.jpg is left out because JPEG decoders may differ in the last
bit), and each file's SHA-256 is checked first, so another version of a package with different photos fails here
instead of silently making other patches.

  training photos  astronaut.png (512x512), coffee.png (400x600), motorcycle_left.png (500x741), scipy's face (768x1024)
  test photo       chelsea.png (300x451), held out entirely: no training patch comes from it
  patch            32x32 RGB, 8 bits per channel
  training set     2,250 patches per training photo (9,000 in all): top-left corners drawn without replacement from
                   the stride-8 grid of positions that fit inside the photo, by Python's random.Random(20261204);
                   then the 9,000 are shuffled with the same generator, so any prefix mixes the four photos
  test set         the test photo tiled from its top-left corner at stride 32 (no overlap): 9 rows x 14 columns,
                   126 tiles covering its top-left 288x448 pixels, kept in row order so the photo can be put back

Writes OUTPUT_DIR/train.npy (uint8, shape (9000, 3, 32, 32)), OUTPUT_DIR/test.npy (uint8, shape (9, 14, 3, 32, 32):
tile row, tile column, then channels first as the samples' [C, H, W] rows) and OUTPUT_DIR/SOURCES.txt.
"""

import hashlib
import os
import random
import sys

import bz2

import numpy as np
import scipy
import skimage.data
import skimage.io

PATCH = 32
TRAIN_STRIDE = 8
PATCHES_PER_PHOTO = 2250
SEED = 20261204
TRAIN_PHOTOS = ["astronaut.png", "coffee.png", "motorcycle_left.png", "face.dat"]
TEST_PHOTO = "chelsea.png"
# SHA-256 of the files in python3-skimage 0.19.3-8 and python3-scipy 1.10.1 (face.dat), Debian 12.
SHA256 = {
    "astronaut.png": "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
    "coffee.png": "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
    "motorcycle_left.png": "db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179",
    "chelsea.png": "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb",
    "face.dat": "9d8b0b4d081313e2b485748c770472e5a95ed1738146883d84c7030493e82886",
}
FACE_SHAPE = (768, 1024, 3)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_photo(name):
    """The photo as uint8 [height, width, 3], after checking it is the file this script was written for."""
    # scipy's raccoon is read from its file directly: scipy.misc.face() is deprecated, and its successor downloads.
    folder = os.path.join(os.path.dirname(scipy.__file__), "misc") if name == "face.dat" else skimage.data.data_dir
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        sys.exit(f"error: {path} is missing; Debian 12's python3-skimage and python3-scipy ship it (apt-get install python3-skimage)")
    actual = sha256(path)
    if actual != SHA256[name]:
        sys.exit(f"error: {path} has SHA-256 {actual}, expected {SHA256[name]} (python3-skimage 0.19.3, python3-scipy 1.10.1); "
                 "the patches would not be the documented ones")
    if name == "face.dat":
        with open(path, "rb") as f:
            return np.frombuffer(bz2.decompress(f.read()), dtype=np.uint8).reshape(FACE_SHAPE)
    image = skimage.io.imread(path)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] < 3:
        sys.exit(f"error: {path} decoded as {image.dtype} {image.shape}, expected 8-bit RGB")
    return image[:, :, :3]


def channels_first(patch):
    return np.ascontiguousarray(patch.transpose(2, 0, 1))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: cut-colour-patches.py OUTPUT_DIR")
    output = sys.argv[1]
    rng = random.Random(SEED)

    train = []
    for name in TRAIN_PHOTOS:
        photo = read_photo(name)
        height, width = photo.shape[:2]
        corners = [(y, x) for y in range(0, height - PATCH + 1, TRAIN_STRIDE)
                   for x in range(0, width - PATCH + 1, TRAIN_STRIDE)]
        for y, x in rng.sample(corners, PATCHES_PER_PHOTO):
            train.append(channels_first(photo[y:y + PATCH, x:x + PATCH]))
    rng.shuffle(train)
    train = np.stack(train)

    photo = read_photo(TEST_PHOTO)
    rows, columns = photo.shape[0] // PATCH, photo.shape[1] // PATCH
    test = np.empty((rows, columns, 3, PATCH, PATCH), dtype=np.uint8)
    for r in range(rows):
        for c in range(columns):
            test[r, c] = channels_first(photo[r * PATCH:(r + 1) * PATCH, c * PATCH:(c + 1) * PATCH])

    os.makedirs(output, exist_ok=True)
    # Write under temporary names and rename, so an interrupted run never leaves a file that looks complete.
    for name, array in (("train.npy", train), ("test.npy", test)):
        partial = os.path.join(output, name + ".partial")
        with open(partial, "wb") as f:
            np.save(f, array)
        os.replace(partial, os.path.join(output, name))

    lines = [
        "Colour patches cut by build/cut-colour-patches.py from photos python3-skimage (skimage/data/) and python3-scipy (scipy/misc/face.dat) ship.",
        f"patch {PATCH}x{PATCH} RGB uint8, rows channels first [3, {PATCH}, {PATCH}]",
        f"train.npy {train.shape}: {PATCHES_PER_PHOTO} per photo from {', '.join(TRAIN_PHOTOS)}, "
        f"corners on a stride-{TRAIN_STRIDE} grid, random.Random({SEED}), shuffled",
        f"test.npy {test.shape}: {TEST_PHOTO} tiled at stride {PATCH} from its top-left corner (held out)",
        *(f"source {name} sha256 {SHA256[name]}" for name in TRAIN_PHOTOS + [TEST_PHOTO]),
        *(f"output {name} sha256 {sha256(os.path.join(output, name))}" for name in ("train.npy", "test.npy")),
    ]
    with open(os.path.join(output, "SOURCES.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
