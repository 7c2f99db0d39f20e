"""Apache TVM: Relax ``relax.op.nn.conv{1,2,3}d_transpose``, compiled for the CPU (``llvm``).

Relax's transposed convolutions take PyTorch's layouts (``data_layout='NC...'``,
``kernel_layout='IO...'``: ``(C_in, C_out / groups, *k)``) and PyTorch's ``strides``,
``padding``, ``output_padding``, ``dilation`` and ``groups``; the wrapper, in the ``'torch'``
convention, builds a one-operator Relax function, compiles it with ``tvm.compile(...,
target='llvm')``, runs it in Relax's virtual machine and adds the bias.  TVM is imported when the
wrapper is called.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._declarations import Implementation, Supports

__all__ = ["CONVENTIONS", "IMPLEMENTATIONS", "PEERS", "SUPPORTS", "tvm_relax_conv_transpose"]


def tvm_relax_conv_transpose(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None,
    *,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> np.ndarray:
    """A Relax function of one ``conv{1,2,3}d_transpose``, compiled for ``llvm`` and run on the CPU."""
    import tvm
    from tvm import relax

    ndim = weight.ndim - 2

    def per_dimension(value: Any) -> list[int]:
        return [int(v) for v in value] if isinstance(value, (tuple, list)) else [int(value)] * ndim

    dtype = str(x.dtype)
    letters = "DHW"[3 - ndim :]
    builder = relax.BlockBuilder()
    data = relax.Var("x", relax.TensorType(list(x.shape), dtype))
    kernel = relax.Var("w", relax.TensorType(list(weight.shape), dtype))
    with builder.function("main", [data, kernel]):
        with builder.dataflow():
            y = builder.emit(
                getattr(relax.op.nn, f"conv{ndim}d_transpose")(
                    data,
                    kernel,
                    strides=per_dimension(stride),
                    padding=per_dimension(padding),
                    output_padding=per_dimension(output_padding),
                    dilation=per_dimension(dilation),
                    groups=groups,
                    data_layout="NC" + letters,
                    kernel_layout="IO" + letters,
                )
            )
            out = builder.emit_output(y)
        builder.emit_func_output(out)
    executable = tvm.compile(builder.get(), target="llvm")
    machine = relax.VirtualMachine(executable, tvm.cpu())
    result = machine["main"](
        tvm.runtime.tensor(np.ascontiguousarray(x)), tvm.runtime.tensor(np.ascontiguousarray(weight))
    )
    y_np = np.asarray(result.numpy())
    if bias is not None:
        y_np = y_np + bias.reshape((1, -1) + (1,) * ndim)
    return y_np


SUPPORTS = Supports(
    fails={
        "large output_padding": "Relax's conv*_transpose raises ValueError unless output_padding < strides (its "
        "documented 'expects the output padding less than the strides'), where PyTorch allows up to the dilation"
    },
    lacks={
        "padding modes": "Relax's conv*_transpose takes explicit padding only",
        "asymmetric padding": "called with PyTorch's arguments, one padding per dimension",
    },
)

CONVENTIONS = ()
IMPLEMENTATIONS = (
    Implementation("tvm relax.op.nn.conv{1,2,3}d_transpose (llvm)", "tvm", "torch", tvm_relax_conv_transpose, SUPPORTS),
)
PEERS = ()
