"""The conformance kit against each installed framework, as `transposed-conv check` runs it (200 cases in CI).

The peers, the dtypes they run and the draw that leaves out what they cannot run all come from the
registry's declarations (``transposed_conv.frameworks``); each test carries its package's marker.
"""

from __future__ import annotations

import pytest
from hypothesis import settings

from transposed_conv.frameworks import PEERS
from transposed_conv.testing import check_conv_transpose

EXAMPLES = max(settings().max_examples, 1)  # the active profile: 200 in CI
#: The other peers' own claim is their wiring (calling the framework, adding the bias, casting); what
#: their framework computes is the kit's claim in tests/test_kit_conventions.py, in its own convention.
WIRING_EXAMPLES = min(EXAMPLES, 20)


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=getattr(pytest.mark, peer.module)) for name, peer in PEERS.items()]
)
def test_framework_conforms_on_drawn_configurations(name: str) -> None:
    peer = PEERS[name]
    if not peer.available:
        pytest.skip(f"{peer.module} is not installed (pip install 'transposed-conv[frameworks]')")
    # torch in float64/float32: the one kit run of torch.nn.functional; its half precisions are
    # tests/frameworks/test_torch_half.py's claim, so here, as for the other peers, the wiring
    full = ("float64", "float32") if name == "torch" else ()
    for dtypes, examples in ((full, EXAMPLES), (tuple(d for d in peer.dtypes if d not in full), WIRING_EXAMPLES)):
        if not dtypes:
            continue
        report = check_conv_transpose(peer.impl, examples=examples, dtypes=dtypes, seed=0, **peer.draw_options)
        assert report.examples == dict.fromkeys(dtypes, examples)
        assert all(0 <= worst <= 1 for worst in report.worst_fraction.values())
