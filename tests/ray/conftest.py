"""One Ray cluster for the Ray tests, on 127.0.0.1, started here and stopped at the end.

Two CPUs (this project's machines have two): one model actor and one CPU for the read and
finish tasks, the smallest cluster a run plans for. Ray binds to 127.0.0.1 because
``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` tells it this is a one-machine cluster (set before
Ray is imported; on Linux it would otherwise take the machine's network address). The
workers import ``tests.*`` (the stand-in for the embedded server) through ``PYTHONPATH``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # read by Ray alone, when imported
CPUS = 2


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[str]:
    """The cluster's address (``127.0.0.1:PORT``), for drivers in other processes."""
    ray = pytest.importorskip("ray")
    before = os.environ.get("PYTHONPATH")
    # the cluster's processes inherit it: workers import tests.* (tests/ray/standin.py)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), before) if p)
    try:
        context = ray.init(
            num_cpus=CPUS,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before
    try:
        address = context.address_info["gcs_address"]
        assert address.startswith("127.0.0.1:"), address
        assert {n["NodeManagerAddress"] for n in ray.nodes()} == {"127.0.0.1"}
        yield address
    finally:
        ray.shutdown()
