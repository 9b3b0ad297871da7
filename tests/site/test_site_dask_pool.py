"""site/dask_pool.py: lesson runs on a Dask cluster give the site a local build gives, byte for byte."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest
from distributed import LocalCluster

from tests.conftest import write_tiny_lesson
from tracegen import site
from tracegen.cli import main
from tracegen.errors import TracegenError, UsageError
from tracegen.spec import load_lesson


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes on loopback, as a real cluster's scheduler would be reached: by address."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as local:
        yield local


def test_a_dask_build_is_byte_identical_to_a_local_build(tmp_path, cluster):
    specs = [load_lesson(write_tiny_lesson(tmp_path, name=name)) for name in ("alpha", "beta")]
    local = site.build_site(specs, tmp_path / "local", reproducible=True, variants=2, jobs=2)
    remote = site.build_site(specs, tmp_path / "dask", reproducible=True, variants=2, jobs=2,
                             scheduler=cluster.scheduler_address)
    assert (local.runs, remote.runs) == (6, 6)
    assert digests(tmp_path / "dask") == digests(tmp_path / "local")


def test_a_lesson_error_on_a_worker_is_the_same_one_line(tmp_path, cluster):
    """A TracegenError raised on a worker comes back as itself, naming the lesson file."""
    data = tmp_path / "data.csv"
    data.write_text("a,b,label\n1,2,x\n3,4,x\n5,6,x\n7,8,x\n", encoding="utf-8")
    path = write_tiny_lesson(tmp_path, name="one-class")
    path.write_text(path.read_text(encoding="utf-8").replace(
        'source = "make_classification"\nn_samples = 120\nn_features = 3\nn_informative = 2\nn_redundant = 0\n',
        f'source = "csv"\npath = "{data}"\ntarget = "label"\n'), encoding="utf-8")
    spec = load_lesson(path)
    with pytest.raises(TracegenError) as local:
        site.build_site([spec], tmp_path / "local", jobs=1)
    with pytest.raises(TracegenError) as remote:
        site.build_site([spec], tmp_path / "dask", jobs=1, scheduler=cluster.scheduler_address)
    assert type(remote.value) is type(local.value) and remote.value.one_line() == local.value.one_line()
    assert not (tmp_path / "dask").exists()


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    spec = load_lesson(write_tiny_lesson(tmp_path))
    with pytest.raises(UsageError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:"):
        site.build_site([spec], tmp_path / "site", jobs=1, scheduler=f"tcp://127.0.0.1:{port}")
    assert not (tmp_path / "site").exists()


def test_scheduler_without_the_dask_executor_is_refused(tmp_path, capsys):
    path = write_tiny_lesson(tmp_path)
    code = main(["build", str(path), "--out", str(tmp_path / "site"), "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and err.splitlines() == [
        "tracegen: error: tracegen build: --scheduler: names a Dask scheduler; use it with --executor dask"]
