"""State dicts in files: ``load_state_dict`` reads an ``.npz`` member by member, with every check a mapping gets, and
``export`` writes only safe member names.

Each file here is crafted: an extra member that would expand hugely, arrays NumPy writes but a model must refuse
(bool, uint64 beyond int64, complex, Python objects, a wrong shape), members whose size or header lies, and keys
that would name a path.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from transposed_conv.export import save_npz
from transposed_conv.layers import DeconvLayer

#: What loading the small layer below may allocate: its arrays and the zip bookkeeping, far below HUGE.
FEW_MIB = 4 * 2**20
#: The uncompressed size of the extra member: a few hundred KiB in the file.
HUGE = 64 * 2**20


def layer() -> DeconvLayer:
    """Six arrays: ``conv_transpose.weight`` (2, 3, 4, 4), ``bn.*`` (3,) in float32, ``bn.num_batches_tracked``."""
    return DeconvLayer(2, 3, 4, 2, 1, 0, rng=0)


def state(**changes: Any) -> dict[str, Any]:
    """The layer's state dict with ``bn__bias=value`` replacing ``bn.bias`` (``None`` removes it)."""
    result: dict[str, Any] = dict(layer().state_dict())
    for name, value in changes.items():
        if value is None:
            del result[name.replace("__", ".")]
        else:
            result[name.replace("__", ".")] = value
    return result


def write_npz(path: Path, members: dict[str, Any], compression: int = zipfile.ZIP_STORED) -> Path:
    """An ``.npz`` written member by member: an array becomes ``NAME.npy``, bytes are written as they are."""
    with zipfile.ZipFile(path, "w", compression=compression, compresslevel=1) as archive:
        for name, value in members.items():
            if isinstance(value, bytes):
                archive.writestr(name, value)
            else:
                with archive.open(name + ".npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=True)
    return path


def traced(call: Callable[[], Any]) -> int:
    """The peak of memory traced while ``call()`` ran (raising or not)."""
    tracemalloc.start()
    try:
        try:
            call()
        except (ValueError, TypeError):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def assert_unchanged(model: DeconvLayer) -> None:
    for name, value in layer().state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[name], value, err_msg=name)


# --- an extra member that would expand hugely -------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_huge_extra(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The layer's arrays, then a deflated member ``extra.npy`` of 64 MiB of zeros (about 300 KiB in the file)."""
    path = tmp_path_factory.mktemp("npz") / "huge.npz"
    write_npz(path, {**state(bn__bias=np.full(3, 2.0)), "extra": np.zeros(HUGE // 8)}, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < HUGE // 100
    return path


def test_an_unexpected_member_is_refused_by_name_before_any_data_is_read(with_huge_extra: Path) -> None:
    model = layer()
    with pytest.raises(ValueError, match=r"does not fit this DeconvLayer: unexpected keys \['extra'\]$"):
        model.load_state_dict(with_huge_extra)
    assert_unchanged(model)
    assert traced(lambda: layer().load_state_dict(with_huge_extra)) < FEW_MIB


def test_not_strict_an_unexpected_member_is_never_read(with_huge_extra: Path) -> None:
    model = layer()
    peak = traced(lambda: model.load_state_dict(with_huge_extra, strict=False))
    assert model.bn.bias.data.tolist() == [2, 2, 2]
    assert peak < FEW_MIB, f"loading traced {peak} bytes"


def test_an_npzfile_from_numpy_load_is_read_the_same_way(with_huge_extra: Path) -> None:
    model = layer()
    with np.load(with_huge_extra) as npz:
        with pytest.raises(ValueError, match=r"unexpected keys \['extra'\]"):
            model.load_state_dict(npz)
        peak = traced(lambda: model.load_state_dict(npz, strict=False))
    assert model.bn.bias.data.tolist() == [2, 2, 2]
    assert peak < FEW_MIB, f"loading traced {peak} bytes"


# --- the checks a mapping gets, from a file ----------------------------------------------------------------------

BAD_VALUES: list[Any] = [
    pytest.param(
        "bn.weight",
        np.array([True, False, True]),
        TypeError,
        r"^state_dict\['bn.weight'\] must be an array of real numbers \(integer or floating dtype\); got dtype bool$",
        id="bool-weight",
    ),
    pytest.param(
        "bn.num_batches_tracked",
        np.uint64(2**64 - 1),
        ValueError,
        r"^state_dict\['bn.num_batches_tracked'\] holds 18446744073709551615, above the largest int64 "
        r"\(9223372036854775807\) of the array it replaces$",
        id="uint64-counter-beyond-int64",
    ),
    pytest.param(
        "bn.num_batches_tracked",
        np.array(1.0),
        TypeError,
        r"^state_dict\['bn.num_batches_tracked'\] has dtype float64, which cannot be cast to int64 without changing",
        id="float-counter",
    ),
    pytest.param(
        "bn.running_var",
        np.array([1.0, 1e300, 1.0]),
        ValueError,
        r"^state_dict\['bn.running_var'\] holds 1e\+300, above the largest float32 \(3.40282\d*e\+38\)",
        id="finite-float64-beyond-float32",
    ),
    pytest.param(
        "bn.bias",
        np.ones(3, complex),
        TypeError,
        r"^state_dict\['bn.bias'\] must be an array of real numbers .* got dtype complex128$",
        id="complex",
    ),
    pytest.param(
        "bn.bias",
        np.array([1.0, None, 2.0], dtype=object),
        TypeError,
        r"^state_dict\['bn.bias'\] must be an array of real numbers .* got dtype object$",
        id="python-objects",
    ),
    pytest.param(
        "conv_transpose.weight",
        np.ones((3, 2, 4, 4), np.float32),
        ValueError,
        r"^state_dict does not fit this DeconvLayer: mis-shaped keys: 'conv_transpose.weight' has shape "
        r"\(3, 2, 4, 4\), expected \(2, 3, 4, 4\)$",
        id="wrong-shape",
    ),
]


@pytest.mark.parametrize("source", ["mapping", "file"])
@pytest.mark.parametrize(("name", "value", "error", "message"), BAD_VALUES)
def test_a_file_gets_the_checks_a_mapping_gets(
    tmp_path: Path, source: str, name: str, value: Any, error: type[Exception], message: str
) -> None:
    """The same error, word for word, whether the bad value comes in a dict or in an ``.npz``; nothing is loaded."""
    values = state(**{name.replace(".", "__"): value})
    model = layer()
    with pytest.raises(error, match=message):
        model.load_state_dict(values if source == "mapping" else write_npz(tmp_path / "bad.npz", values))
    assert_unchanged(model)


def test_values_that_fit_load_from_a_file_as_from_a_mapping(tmp_path: Path) -> None:
    """A uint64 counter that int64 holds, float64 weights into float32: cast as PyTorch's ``copy_`` casts."""
    values = state(bn__num_batches_tracked=np.uint64(7), bn__running_var=np.array([1.5, -np.inf, np.nan]))
    model = layer()
    model.load_state_dict(write_npz(tmp_path / "good.npz", values))
    assert int(model.bn.num_batches_tracked) == 7 and model.bn.num_batches_tracked.dtype == np.int64
    assert model.bn.running_var.dtype == np.float32
    np.testing.assert_array_equal(model.bn.running_var, [1.5, -np.inf, np.nan])


def test_the_saved_state_dict_round_trips(tmp_path: Path) -> None:
    source = DeconvLayer(2, 3, 4, 2, 1, 0, rng=1)
    save_npz(source.state_dict(), tmp_path / "layer")
    target = layer()
    target.load_state_dict(tmp_path / "layer.npz")
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)


# --- files that lie ----------------------------------------------------------------------------------------------


def _npy_bytes(array: np.ndarray, descr: Any = None) -> bytes:
    """``array`` as a ``.npy`` file, its header's dtype replaced by ``descr`` if given."""
    descr = np.lib.format.dtype_to_descr(array.dtype) if descr is None else descr
    header = {"descr": descr, "fortran_order": False, "shape": array.shape}
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue() + array.tobytes()


BAD_FILES: list[Any] = [
    pytest.param(
        {"bn.bias.npy": _npy_bytes(np.ones(3, np.float32))[:-4]},
        ValueError,
        r"^state_dict\['bn.bias'\]: the member 'bn.bias.npy' holds \d+ bytes, but its header describes \d+ ",
        id="truncated-member",
    ),
    pytest.param(
        {"bn.bias.npy": _npy_bytes(np.ones(3, np.float32)) + bytes(2**20)},
        ValueError,
        r"^state_dict\['bn.bias'\]: the member 'bn.bias.npy' holds \d+ bytes, but its header describes \d+ ",
        id="member-longer-than-its-header-says",
    ),
    pytest.param(
        {"bn.bias.npy": b"PK not an array"},
        ValueError,
        r"^state_dict\['bn.bias'\]: the member 'bn.bias.npy' is not a .npy array",
        id="not-npy",
    ),
    pytest.param(
        {"bn.bias.npy": _npy_bytes(np.ones(3, np.float32), descr=("<f4", (2**27,)))},  # 1.5 GiB if read
        TypeError,
        r"^state_dict\['bn.bias'\] must be an array of real numbers; got the sub-array dtype",
        id="sub-array-dtype",
    ),
]


@pytest.mark.parametrize(("members", "error", "message"), BAD_FILES)
def test_a_member_whose_header_and_size_disagree_is_refused_before_its_data_is_read(
    tmp_path: Path, members: dict[str, bytes], error: type[Exception], message: str
) -> None:
    model = layer()
    path = write_npz(tmp_path / "lies.npz", {**state(bn__bias=None), **members})
    with pytest.raises(error, match=message):
        model.load_state_dict(path)
    assert_unchanged(model)


def test_a_member_twice_is_refused(tmp_path: Path) -> None:
    path = write_npz(tmp_path / "twice.npz", state())
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as archive:
        archive.writestr("bn.bias.npy", _npy_bytes(np.zeros(3, np.float32)))
    with pytest.raises(ValueError, match=r"has the member 'bn.bias.npy' twice$"):
        layer().load_state_dict(path)


def test_a_file_that_is_not_a_zip_archive_is_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "weight.npy", np.ones(3))
    with pytest.raises(
        ValueError, match=r"the path of an .npz file \(a zip archive of .npy members\); .* is not a zip"
    ):
        layer().load_state_dict(tmp_path / "weight.npy")


# --- export: safe member names -------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["../../x", "a/b", "..", ".", "", "C:x", "a\\b", "a\0b"])
def test_save_npz_refuses_a_key_that_would_name_a_path(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match=r"^state_dict keys become zip member names \(KEY.npy\), so must not contain"):
        save_npz({"fine": np.ones(1), key: np.ones(2)}, tmp_path / "out.npz")
    assert not (tmp_path / "out.npz").exists()


def test_save_npz_writes_one_member_per_key_whatever_its_name(tmp_path: Path) -> None:
    """Keys that ``numpy.savez(path, **arrays)`` would take for its own options are written like any other."""
    arrays = {"file": np.ones(2), "allow_pickle": np.arange(3), "..x": np.zeros(())}
    save_npz(arrays, tmp_path / "out.npz")
    with zipfile.ZipFile(tmp_path / "out.npz") as archive:
        assert archive.namelist() == ["file.npy", "allow_pickle.npy", "..x.npy"]
    with np.load(tmp_path / "out.npz") as npz:
        assert {name: npz[name].tolist() for name in npz.files} == {"file": [1, 1], "allow_pickle": [0, 1, 2], "..x": 0}


def test_save_npz_refuses_python_objects(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"^state_dict\['bias'\] must be a NumPy array without Python objects"):
        save_npz({"bias": np.array([1, None])}, tmp_path / "out.npz")


def test_export_refuses_a_torch_key_that_would_name_a_path(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="export_state_dict converts PyTorch tensors")
    from transposed_conv.export import export_state_dict

    with pytest.raises(ValueError, match=r"got key '../../x'$"):
        export_state_dict({"../../x": torch.ones(2)}, tmp_path / "out.npz")
    assert list(tmp_path.iterdir()) == []
