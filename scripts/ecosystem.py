"""The ecosystem's conformance report: every framework in a virtual environment of its own, merged into docs/report.md.

    python scripts/ecosystem.py                       # every environment, then docs/report.md
    python scripts/ecosystem.py --only paddle flax    # those environments again; the others' results are kept
    python scripts/ecosystem.py --merge               # docs/report.md from the results already there

Each environment of ENVIRONMENTS is a venv under .ecosystem/<name>/ (ignored by git), made with
``python -m venv`` and filled with ``pip install --no-cache-dir`` from its pinned requirements,
once (a stamp file records the requirements; a change rebuilds it).  The checkout is put on the
venv's path by a ``.pth`` file, as an editable install does, so the code checked is the code
here.  The ``project`` environment is the interpreter that runs this script, which has the
project's own ``.[frameworks,kit]`` extras (torch, ONNX Runtime, JAX, TensorFlow, Keras): a copy
of them would be 3.3 GB.  In each environment this script runs itself with ``--worker``: the kit,
area by area, against that environment's rows of the registry, isolated in worker processes, with
the same ``--seed`` and ``--examples`` for every row, and a standalone reproducer for each failure,
executed there; the result goes to .ecosystem/results/<name>.json.  The merge writes
docs/report.md from every result, with each environment's versions, the kit's version, the seed
and the date.  An environment that cannot be built here gets one line saying why.

The same seed gives the same cases, so the same verdicts.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / ".ecosystem"
RESULTS = HOME / "results"
REPORT = ROOT / "docs" / "report.md"


@dataclass(frozen=True)
class Environment:
    """A virtual environment: what pip installs (in steps), the registry rows it runs, and its settings."""

    name: str
    requirements: tuple[tuple[str, ...], ...]
    rows: tuple[str, ...]
    packages: tuple[str, ...]
    variables: dict[str, str] = field(default_factory=dict)
    examples: int | None = None  # cases per area, where calls are slow (a conversion per call)
    overlay: bool = False  # sees the project interpreter's packages after its own (pure-Python converters)
    programs: tuple[str, ...] = ()  # what it runs from the machine (a compiler), with how to install it


KIT = ("scipy>=1.11", "hypothesis>=6.100")

ENVIRONMENTS = (
    Environment(
        "project",
        (),
        (
            "torch.nn.functional.conv_transpose{1,2,3}d",
            "onnxruntime ConvTranspose",
            "onnx.reference ConvTranspose",
            "jax.lax.conv_transpose",
            "tf.nn.conv_transpose",
            "keras.ops.conv_transpose",
            "jax lax_reference.conv_general_dilated (lhs_dilation)",
        ),
        ("torch", "onnx", "onnxruntime", "jax", "tensorflow-cpu", "keras", "numpy"),
    ),
    Environment(
        "project-converters",
        (),
        ("torch.onnx.export -> onnxruntime", "keras Conv*Transpose -> TFLiteConverter -> tf.lite.Interpreter"),
        ("torch", "onnx", "onnxruntime", "tensorflow-cpu", "keras", "numpy"),
        examples=10,
    ),
    Environment(
        "openvino",
        (("openvino==2026.4.1", "onnx==1.23.2", "torch==2.13.0", *KIT),),
        (
            "openvino ONNX ConvTranspose (CPU)",
            "openvino ConvolutionBackpropData (CPU)",
            "torch.onnx.export -> openvino",
        ),
        ("openvino", "onnx", "torch", "numpy"),
    ),
    Environment(
        "paddle",
        (("paddlepaddle==3.3.1", *KIT),),
        ("paddle.nn.functional.conv{1,2,3}d_transpose",),
        ("paddlepaddle", "numpy"),
    ),
    Environment(
        "tinygrad",
        (("tinygrad==0.14.0", *KIT),),
        ("tinygrad Tensor.conv_transpose2d",),
        ("tinygrad", "numpy"),
        programs=("clang",),  # its CPU backend compiles kernels with clang (Debian: apt-get install clang)
    ),
    Environment(
        "flax",
        (("flax==0.12.8", "jax==0.10.2", *KIT),),
        ("flax.linen.ConvTranspose", "flax.linen.ConvTranspose(transpose_kernel=True)"),
        ("flax", "jax", "numpy"),
    ),
    Environment(
        "mindspore",
        (("mindspore==2.10.0", "numpy<2", *KIT),),  # its extension modules are built against NumPy 1
        ("mindspore.nn.Conv{1,2,3}dTranspose",),
        ("mindspore", "numpy"),
    ),
    Environment(
        "jittor",
        (("jittor==1.3.11.0", *KIT),),
        ("jittor.nn.conv_transpose{,3d}",),
        ("jittor", "numpy"),
        # jittor downloads oneDNN at first import unless use_mkl=0, and looks for CUDA unless nvcc_path is empty
        {"use_mkl": "0", "nvcc_path": ""},
    ),
    Environment(
        "chainer",
        # chainer 7.8.1 is an sdist whose setup.py imports pkg_resources and needs wheel: built without isolation
        (("setuptools<70", "wheel", "numpy<2", *KIT), ("--no-build-isolation", "chainer==7.8.1")),
        ("chainer.functions.deconvolution_nd",),
        ("chainer", "numpy"),
    ),
    Environment(
        "tvm",
        (("apache-tvm==0.27.0.post1", *KIT),),
        ("tvm relax.op.nn.conv{1,2,3}d_transpose (llvm)",),
        ("apache-tvm", "numpy"),
        examples=20,
    ),
    Environment(
        "tf-converters",
        # pure-Python converters on top of the project's TensorFlow 2.21 and ONNX Runtime (a TensorFlow of their own
        # would be 1.3 GB more); --no-deps: tf2onnx pins protobuf~=3.20, which the project's TensorFlow does not take
        (
            (
                "--no-deps",
                "tf2onnx==1.17.0",
                "onnx2tf==1.29.24",
                "tf_keras~=2.21.0",
                "onnx_graphsurgeon",
                "sng4onnx",
                "psutil",
                "ai_edge_litert",
            ),
        ),
        (
            "tf.nn.conv_transpose -> tf2onnx -> onnxruntime",
            "ONNX ConvTranspose -> onnx2tf -> TensorFlow",
            "ONNX ConvTranspose (kernel_shape given) -> onnx2tf -> TensorFlow",
        ),
        ("tf2onnx", "onnx2tf", "tensorflow-cpu", "onnx", "onnxruntime", "numpy"),
        examples=5,
        overlay=True,
    ),
)

#: Frameworks with no environment here, each with the reason in one line.
NOT_INSTALLABLE = {
    "nobuco (PyTorch -> Keras)": "nobuco 0.17.0 imports keras.src.engine, which Keras 3 has not; a Keras 2 "
    "environment needs a TensorFlow <= 2.15 of its own (about 1.3 GB), more than this machine's disk had left",
}


def stamp(environment: Environment) -> str:
    return hashlib.sha256(json.dumps([environment.requirements, sys.version]).encode()).hexdigest()[:16]


def python_of(environment: Environment) -> Path:
    if not environment.requirements:
        return Path(sys.executable)
    return HOME / environment.name / "bin" / "python"


def build(environment: Environment, log: Path) -> str | None:
    """Make the environment (once per stamp); ``None``, or the reason it could not be made."""
    missing = [program for program in environment.programs if shutil.which(program) is None]
    if missing:
        return f"needs {', '.join(missing)} on the PATH (Debian: apt-get install {' '.join(missing)})"
    if not environment.requirements:
        return None
    venv = HOME / environment.name
    stamp_file = venv / "ecosystem-stamp"
    if stamp_file.exists() and stamp_file.read_text() == stamp(environment):
        return None
    with log.open("w") as out:
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, stdout=out, stderr=out)
        for step in environment.requirements:
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-cache-dir", "--quiet", *step]
            if subprocess.run(pip, stdout=out, stderr=out, check=False).returncode != 0:
                return f"pip install {' '.join(step)} failed (see {log.relative_to(ROOT)})"
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "transposed_conv_checkout.pth").write_text(str(ROOT) + "\n")
    if environment.overlay:  # after its own site-packages: what it installed comes first
        Path(site, "zz_project_site.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    stamp_file.write_text(stamp(environment))
    return None


def run(environment: Environment, *, seed: int, examples: int, timeout: float, log: Path) -> str | None:
    """Run the environment's rows in it (``--worker``); ``None``, or why it did not finish."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{environment.name}.json"
    command = [
        str(python_of(environment)),
        str(Path(__file__).resolve()),
        "--worker",
        environment.name,
        "--seed",
        str(seed),
        "--examples",
        str(environment.examples or examples),
        "--timeout",
        str(timeout),
        "--out",
        str(out),
    ]
    variables = {**os.environ, **environment.variables}
    if not environment.requirements:
        variables["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    with log.open("a") as stream:
        done = subprocess.run(command, env=variables, stdout=stream, stderr=stream, check=False)
    return None if done.returncode == 0 else f"the run exited with status {done.returncode} (see {log})"


def worker(name: str, *, seed: int, examples: int, timeout: float, out: Path) -> None:
    """In the environment: the kit on its rows, a JSON record."""
    from importlib.metadata import PackageNotFoundError, version

    import transposed_conv
    from transposed_conv.frameworks import IMPLEMENTATIONS
    from transposed_conv.report import ecosystem_run

    environment = next(e for e in ENVIRONMENTS if e.name == name)
    rows = [i for i in IMPLEMENTATIONS if i.name in environment.rows]
    versions = {}
    for package in environment.packages:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            continue
    record = {
        "environment": name,
        "python": sysconfig.get_python_version(),
        "versions": versions,
        "kit": transposed_conv.__version__,
        "seed": seed,
        "examples": examples,
        "date": datetime.date.today().isoformat(),
        "rows": ecosystem_run(
            rows, examples=examples, seed=seed, timeout=timeout, progress=lambda n: print(n, file=sys.stderr)
        ),
    }
    out.write_text(json.dumps(record, indent=1) + "\n")


def merge(seed: int, examples: int, failed: dict[str, str]) -> None:
    """docs/report.md from every environment's result; the hand-written findings kept."""
    sys.path.insert(0, str(ROOT))
    from transposed_conv.report import render_ecosystem

    results = []
    for environment in ENVIRONMENTS:
        path = RESULTS / f"{environment.name}.json"
        if path.exists() and environment.name not in failed:
            results.append(json.loads(path.read_text()))
    findings = "(to be written)"
    if REPORT.exists():
        text = REPORT.read_text()
        start, end = "<!-- findings: kept as written when the report is generated again -->", "<!-- /findings -->"
        if start in text and end in text:
            findings = text.split(start, 1)[1].split(end, 1)[0]
    command = f"python scripts/ecosystem.py --seed {seed} --examples {examples}"
    REPORT.write_text(
        render_ecosystem(results, not_installable={**NOT_INSTALLABLE, **failed}, findings=findings, command=command)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="the kit's seed, the same for every row (0)")
    parser.add_argument("--examples", type=int, default=30, help="cases per area and row (30; fewer where noted)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds one call may take (300)")
    parser.add_argument("--only", nargs="+", metavar="ENV", help="run only these environments, keep the others")
    parser.add_argument("--merge", action="store_true", help="only write docs/report.md from the results there")
    parser.add_argument("--worker", metavar="ENV", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = [e.name for e in ENVIRONMENTS]
    for name in args.only or ():
        if name not in names:
            parser.error(f"--only {name}: no such environment; choose from {', '.join(names)}")
    if args.worker:
        worker(args.worker, seed=args.seed, examples=args.examples, timeout=args.timeout, out=args.out)
        return 0
    failed: dict[str, str] = {}
    if not args.merge:
        (HOME / "logs").mkdir(parents=True, exist_ok=True)
        for environment in ENVIRONMENTS:
            if args.only and environment.name not in args.only:
                continue
            log = HOME / "logs" / f"{environment.name}.log"
            print(f"{environment.name}: building", file=sys.stderr)
            reason = build(environment, log)
            if reason is None:
                print(f"{environment.name}: running", file=sys.stderr)
                reason = run(environment, seed=args.seed, examples=args.examples, timeout=args.timeout, log=log)
            if reason is not None:
                print(f"{environment.name}: {reason}", file=sys.stderr)
                failed[environment.name] = reason
    merge(args.seed, args.examples, failed)
    print(f"wrote {REPORT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
