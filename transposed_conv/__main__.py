"""``python -m transposed_conv``: a short demonstration (the full ``transposed-conv`` CLI comes later).

Runs the seed's decoder layer (kernel 4, stride 2, padding 1) on a small map with every
method, shows the size formula with the numbers filled in, and checks that all methods
agree and that the result is the adjoint of ``conv``.  Exits non-zero if anything disagrees.
"""

from __future__ import annotations

import sys

import numpy as np

from . import METHODS, conv, conv_transpose, conv_transpose_output_shape, convolve


def main() -> int:
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, size=(2, 4, 16, 16))
    w = rng.integers(-3, 4, size=(4, 3, 4, 4))
    stride, padding = 2, 1
    (out, _) = conv_transpose_output_shape((16, 16), (4, 4), stride=stride, padding=padding)
    print("transposed convolution, seed decoder layer: kernel 4, stride 2, padding 1")
    print("  out = (in - 1)*stride - 2*pad + dilation*(k - 1) + output_padding + 1")
    print(f"      = (16 - 1)*{stride} - 2*{padding} + 1*(4 - 1) + 0 + 1 = {out}")
    results = {name: conv_transpose(x, w, stride=stride, padding=padding, method=name) for name in METHODS}
    reference = results["direct"]
    ok = True
    for name, y in results.items():
        same = bool(np.array_equal(y, reference))
        ok &= same
        print(f"  method={name!r:17} shape={y.shape} equal to 'direct': {same}")
    y = rng.integers(-3, 4, size=reference.shape)
    left = int(np.sum(conv(y, w, stride=stride, padding=padding) * x))
    right = int(np.sum(y * reference))
    print(f"  adjointness <conv(y), x> = {left}, <y, conv_transpose(x)> = {right}: {left == right}")
    full = conv_transpose([[1, 2, 3]], [[[1, 1]]])[0].tolist()
    matlab = convolve([1, 2, 3], [1, 1], "full").tolist()
    print(f"  stride 1 is MATLAB's full convolution: {full} == conv([1 2 3], [1 1]) = {matlab}")
    ok &= left == right and full == matlab
    print("all checks passed" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
