"""The frameworks we know, one module each, and the registry that lists them.

Each module (``torch``, ``onnx``, ``jax``, ``tf`` for TensorFlow and Keras) owns everything
about its framework: its constants, its convention function (its arguments -> our geometry and
result, computed with our core), the reverse mapping (our geometry -> its arguments), the
wrappers that call the real framework (imported when called, never when the module is), and a
declaration of what it supports, with the reason for each limit
(:mod:`transposed_conv.frameworks._declarations`).  It ends with three tuples, ``CONVENTIONS``,
``IMPLEMENTATIONS`` and ``PEERS``, which this registry collects; the report, the CLI's choices,
the kit's conventions and the test tables read them here.  Adding a framework is one new module
and one line in :data:`FRAMEWORKS` (``docs/contributing-frameworks.md``).

Examples
--------
>>> list(CONVENTIONS)
['torch', 'onnx', 'jax', 'tf', 'keras']
>>> list(PEERS)
['torch', 'onnxruntime', 'jax', 'tensorflow']
>>> PEERS["onnxruntime"].dtypes, PEERS["onnxruntime"].draw_options
(('float32',), {'large_output_padding': False})
>>> print(PEERS["onnxruntime"].supports.fails["float64"])
ONNX Runtime's CPU provider registers ConvTranspose for float32 only (float64: NOT_IMPLEMENTED), ...
"""

from __future__ import annotations

from types import ModuleType

from . import (
    chainer,
    converters,
    flax,
    jax,
    jax_reference,
    jittor,
    mindspore,
    onnx,
    openvino,
    paddle,
    tf,
    tinygrad,
    torch,
    tvm,
)
from ._declarations import FEATURES, Convention, Geometry, Implementation, Inexpressible, Supports, arguments_or_none

__all__ = [
    "CONVENTIONS",
    "FEATURES",
    "FRAMEWORKS",
    "IMPLEMENTATIONS",
    "PEERS",
    "Convention",
    "Geometry",
    "Implementation",
    "Inexpressible",
    "Supports",
    "arguments_or_none",
]

#: The framework modules, in the order the report, the CLI and the vectors list them: one line per framework.
FRAMEWORKS: tuple[ModuleType, ...] = (
    torch,
    onnx,
    jax,
    tf,
    jax_reference,
    openvino,
    paddle,
    tinygrad,
    flax,
    mindspore,
    jittor,
    chainer,
    tvm,
    converters,
)

#: Every calling convention, by name (``check_conv_transpose(convention=...)``, ``check --convention``).
CONVENTIONS: dict[str, Convention] = {c.name: c for module in FRAMEWORKS for c in module.CONVENTIONS}
#: Every real implementation called in its own convention: the rows of the conformance report.
IMPLEMENTATIONS: tuple[Implementation, ...] = tuple(i for module in FRAMEWORKS for i in module.IMPLEMENTATIONS)
#: The real implementations wrapped in PyTorch's convention, by name (``transposed-conv check --framework``).
PEERS: dict[str, Implementation] = {peer.name: peer for module in FRAMEWORKS for peer in module.PEERS}
