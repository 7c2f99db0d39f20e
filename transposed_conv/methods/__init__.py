"""The algorithms, one module each, all computing the same transposed convolution.

Each ``conv_transpose(x, weight, geometry)`` takes ``x`` of shape ``(N, C_in, *L)`` and
``weight`` of shape ``(C_in, C_out/groups, *k)``, already validated and in the compute
dtype, and returns ``(N, C_out, *O)`` without bias.  No module here validates,
dispatches, or imports a framework.

* :mod:`.direct` -- the literal definition: every input element scatters a scaled copy
  of its kernel slice into the output.
* :mod:`.zero_insertion` -- insert ``stride - 1`` zeros, pad by ``dilation*(k-1) - p``,
  then a stride-1 correlation with the flipped, in/out-swapped kernel.
* :mod:`.im2col` -- the transpose of convolution as ``im2col`` + GEMM: one GEMM with the
  transposed weight matrix, then the ``col2im`` scatter-add.
* :mod:`.matrix` -- the convolution's explicit sparse matrix ``C``; the transposed
  convolution is ``C.T @ vec(x)``.
* :mod:`.polyphase` -- the sub-pixel decomposition: each of the ``prod(stride)`` output
  phases is a stride-1 correlation, all computed by one GEMM on shifted copies of the
  input (with one input channel per group, by broadcast multiply-adds instead); ``"auto"``
  runs it where the cost model expects it fastest (:func:`transposed_conv.transpose.choose_method`).
* :mod:`.fft` -- the convolution theorem: zero insertion, then the full convolution of each
  output channel by real FFTs, summed over input channels in the frequency domain, cropped.
* :mod:`.winograd` -- Winograd's F(m, 3) for stride 1, dilation 1 and 3-tap kernels in 1-D
  or 2-D: the stride-1 transposed convolution as a correlation with the flipped kernel.

``fft`` and ``winograd`` do not sum the definition's products, so their rounding errors follow
their own error models (``transposed_conv.oracle``, ``algorithm=``); they give the definition's
IEEE result for non-finite inputs through :mod:`._transforms`.

``im2col``, ``zero_insertion``, ``polyphase``, ``fft`` and ``winograd`` chunk the batch so that their temporary
buffers stay under :func:`transposed_conv._memory.get_memory_limit`; ``direct`` and
``matrix`` refuse sizes beyond their documented bounds instead.
"""
