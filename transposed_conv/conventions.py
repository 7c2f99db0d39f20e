"""Other frameworks' transposed-convolution conventions, computed with our core.

Each function takes one framework's own argument names, layouts and defaults, turns
them into the arguments of :func:`~transposed_conv.conv_transpose` (PyTorch's layout),
and computes with it.  None of them imports its framework.  Each lives in its framework's
module of :mod:`transposed_conv.frameworks`, with the rest of what we know about that
framework; this module gathers them under the names they are documented by.

==========================  ==============================  ==============================
function                    the framework's operation       layouts (input, kernel)
==========================  ==============================  ==============================
:func:`onnx_conv_transpose`   ONNX ``ConvTranspose``          ``(N, C, *x)``, ``(C, M/group, *k)``
:func:`jax_conv_transpose`    ``jax.lax.conv_transpose``      any ``dimension_numbers``;
                                                              default ``NHWC``, ``HWIO``
:func:`tf_conv_transpose`     ``tf.nn.conv_transpose``        ``NHWC`` or ``NCHW``, ``(*k, out, in)``
:func:`keras_conv_transpose`  ``keras.ops.conv_transpose``    ``channels_last`` or
                                                              ``channels_first``, ``(*k, out, in)``
==========================  ==============================  ==============================

One picture covers them all.  Per spatial dimension, with input size ``i``, kernel ``k``,
stride ``s`` and dilation ``d``, the *full* transposed convolution -- every position any
input element reaches, nothing cropped -- has length ``F = (i - 1)*s + d*(k - 1) + 1``.
Every framework returns a *window* ``[start, start + o)`` of it; they differ only in how
the window is chosen:

* PyTorch: ``start = padding_begin``, ``o = F + output_padding - padding_begin - padding_end``;
* ONNX: the same with ``pads``, or ``pads`` computed from ``output_shape`` or ``auto_pad``;
* JAX: ``start = d*(k - 1) - lo`` for the ``(lo, hi)`` padding of the zero-inserted input;
* TensorFlow: ``start`` is the padding *before* of the forward convolution that maps an
  ``output_shape``-sized array to the input, ``o`` is ``output_shape``;
* Keras: ``o`` from ``padding`` and ``output_padding``, ``start`` as TensorFlow's.

PyTorch's window always lies inside ``[0, F + max(s, d) - 1)``; the others may reach
outside ``[0, F)`` -- ONNX ``output_shape`` larger than the full output, JAX padding that
is negative or larger than ``d*(k - 1)``, ``"SAME"`` with a kernel smaller than the
stride.  Positions outside the full output receive no product: they are zero, plus the
bias.  ``transposed_conv.frameworks._window.window_of_full_output`` computes the part inside
with ``conv_transpose`` and fills the rest; ``docs/conventions.md`` sets the conventions side
by side.

Dtype rules are the core's: integer inputs give exact ``int64`` results, floating inputs
keep NumPy's promoted floating dtype.  Inputs are never modified.
"""

from __future__ import annotations

from .frameworks.jax import JAX_DEFAULT_DIMENSION_NUMBERS as JAX_DEFAULT_DIMENSION_NUMBERS
from .frameworks.jax import jax_conv_transpose, jax_padding
from .frameworks.onnx import ONNX_AUTO_PADS as ONNX_AUTO_PADS
from .frameworks.onnx import onnx_conv_transpose, onnx_pads
from .frameworks.tf import KERAS_DATA_FORMATS as KERAS_DATA_FORMATS
from .frameworks.tf import TF_DATA_FORMATS as TF_DATA_FORMATS
from .frameworks.tf import keras_conv_transpose, tf_conv_transpose

__all__ = [
    "jax_conv_transpose",
    "jax_padding",
    "keras_conv_transpose",
    "onnx_conv_transpose",
    "onnx_pads",
    "tf_conv_transpose",
]
