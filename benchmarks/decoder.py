"""Time the seed's full-size decoder forward pass: NumPy (``transposed_conv.layers``) beside PyTorch CPU.

    python benchmarks/decoder.py [--repeats 9]

Prints a Markdown row: the median over ``--repeats`` runs after one warm-up, float32, batch 1,
input ``(1, 2048, 16, 16)``, training mode, ``method="auto"``; PyTorch (if installed) runs the same
structure with the same thread count as NumPy's BLAS, in the same process, interleaved.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np

from transposed_conv.layers import ResNet50Decoder


def _median_seconds(run, repeats: int) -> float:  # type: ignore[no-untyped-def]
    run()  # warm-up: first-touch page faults, thread pools
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2, help="PyTorch threads (match NumPy's BLAS)")
    args = parser.parse_args()
    x = np.random.default_rng(0).standard_normal((1, 2048, 16, 16)).astype(np.float32)
    decoder = ResNet50Decoder(rng=0)
    ours = _median_seconds(lambda: decoder(x), args.repeats)
    theirs = "-"
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.set_num_threads(args.threads)
        layers = []
        channels = 2048
        for planes in (256, 128, 64):
            layers += [
                torch.nn.ConvTranspose2d(channels, planes, 4, stride=2, padding=1, bias=False),
                torch.nn.BatchNorm2d(planes),
                torch.nn.ReLU(),
            ]
            channels = planes
        model = torch.nn.Sequential(*layers).train()
        tx = torch.from_numpy(x)
        with torch.no_grad():
            theirs = f"{_median_seconds(lambda: model(tx), args.repeats):.3f} s"
    print("| machine | NumPy (`transposed_conv.layers`) | PyTorch CPU |")
    print("|---|---|---|")
    print(f"| {platform.processor() or platform.machine()}, NumPy {np.__version__} | {ours:.3f} s | {theirs} |")


if __name__ == "__main__":
    main()
