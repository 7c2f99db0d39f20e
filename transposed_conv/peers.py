"""Other implementations of transposed convolution, wrapped in the PyTorch calling convention.

Each peer is an :class:`~transposed_conv.frameworks.Implementation` whose ``impl(x, weight,
bias, *, stride, padding, output_padding, groups, dilation)`` computes with a real framework,
plus what that framework supports, so that the conformance kit draws only configurations it
can run.  Frameworks are imported when a peer is *called*, never when this module is imported;
a missing framework makes ``available`` false.

The peers, and the wrappers that call each framework in its own convention, live in the
framework modules of :mod:`transposed_conv.frameworks`; this module gathers them under the
names they have always had.
"""

from __future__ import annotations

from .frameworks import PEERS as PEERS
from .frameworks import Implementation
from .frameworks.jax import jax_conv_transpose_peer as jax_conv_transpose_peer
from .frameworks.jax import jax_lax as jax_lax
from .frameworks.onnx import onnx_model as onnx_model
from .frameworks.onnx import onnx_reference_onnx as onnx_reference_onnx
from .frameworks.onnx import onnxruntime_conv_transpose as onnxruntime_conv_transpose
from .frameworks.onnx import onnxruntime_onnx as onnxruntime_onnx
from .frameworks.tf import keras_ops as keras_ops
from .frameworks.tf import tensorflow_conv_transpose as tensorflow_conv_transpose
from .frameworks.tf import tf_nn as tf_nn
from .frameworks.torch import torch_conv_transpose as torch_conv_transpose

__all__ = ["PEERS", "Peer", "available_peers"]

#: A peer: a framework's transposed convolution callable in the ``"torch"`` convention.
Peer = Implementation


def available_peers() -> list[Peer]:
    """The peers whose framework is installed."""
    return [peer for peer in PEERS.values() if peer.available]
