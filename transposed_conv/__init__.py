"""transposed-conv: the NumPy reference implementation of transposed convolution.

Transposed convolution (also called full convolution, in-network upsampling,
fractionally-strided convolution, backwards convolution, upconvolution, or -- misleadingly
-- deconvolution) is the adjoint of an ordinary strided convolution.  This package
computes it several independent ways, proven equal by property tests:

========================  ==============================================================
``method=``               where it lives, and what it does
========================  ==============================================================
``"zero_insertion"``      :mod:`transposed_conv.methods.zero_insertion` -- insert
                          ``stride - 1`` zeros between input elements, pad by
                          ``dilation*(k - 1) - padding``, stride-1 convolution with the
                          flipped, in/out-swapped kernel
``"im2col"``              :mod:`transposed_conv.methods.im2col` -- the transpose of the
                          im2col convolution: one GEMM with ``W.T``, then col2im
``"polyphase"``           :mod:`transposed_conv.methods.polyphase` -- the sub-pixel
                          view: each output phase is a stride-1 correlation, one GEMM
                          per batch element and no scatter-add
``"direct"``              :mod:`transposed_conv.methods.direct` -- the literal
                          definition: each input element scatters ``value * weight``
``"matrix"``              :mod:`transposed_conv.methods.matrix` -- ``C.T @ vec(x)``
                          with ``C`` the convolution's explicit sparse matrix
``"auto"``                :func:`transposed_conv.transpose.choose_method` --
                          ``"im2col"`` or ``"polyphase"``, by a measured cost model,
                          in chunks under :func:`get_memory_limit` (256 MiB default)
========================  ==============================================================

Other frameworks' conventions (ONNX, JAX, TensorFlow, Keras) live in
:mod:`transposed_conv.conventions`; the answer key for framework authors in
:mod:`transposed_conv.oracle` (reference results and rigorous rounding bounds),
:mod:`transposed_conv.strategies` (hypothesis strategies) and :mod:`transposed_conv.testing`
(the conformance kit).  Backward passes live in :mod:`transposed_conv.gradients`, and
the seed's decoder (``ConvTranspose``, ``BatchNorm``, ``ReLU``, ``DeconvLayer``,
``ResNet50Decoder``) in :mod:`transposed_conv.layers`.  The forward operations live in
:mod:`transposed_conv.conv` (``conv``, the deep-learning cross-correlation, and
``convolve``, MATLAB's ``convn``), the size arithmetic in :mod:`transposed_conv.shapes`, and argument validation in
``transposed_conv._arguments``.

Dtype rules: integer inputs give exact ``int64`` results; otherwise the result has
NumPy's promoted floating dtype of the inputs (``float32`` stays ``float32``);
``float16`` is accumulated in ``float32``; bool and complex inputs are rejected.
"""

from ._memory import DEFAULT_MEMORY_LIMIT, get_memory_limit, memory_limit, set_memory_limit
from ._threads import get_threads, set_threads, threads
from .conv import conv, convolve
from .conventions import jax_conv_transpose, keras_conv_transpose, onnx_conv_transpose, tf_conv_transpose
from .gradients import ConvGradients, conv_backward, conv_transpose_backward
from .methods._buffers import release_scratch
from .shapes import (
    conv_output_shape,
    conv_transpose_output_shape,
    output_padding_for,
    transposed_size_range,
)
from .translate import translate
from .transpose import METHODS, conv_transpose

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "METHODS",
    "ConvGradients",
    "conv",
    "conv_backward",
    "conv_output_shape",
    "conv_transpose",
    "conv_transpose_backward",
    "conv_transpose_output_shape",
    "convolve",
    "get_memory_limit",
    "get_threads",
    "jax_conv_transpose",
    "keras_conv_transpose",
    "memory_limit",
    "onnx_conv_transpose",
    "output_padding_for",
    "release_scratch",
    "set_memory_limit",
    "set_threads",
    "tf_conv_transpose",
    "threads",
    "translate",
    "transposed_size_range",
]

__version__ = "0.1.0"
