"""Bounded libFuzzer runs of the XML parser, the client's response decoders and the option parser
(Fuzz/build.sh builds them with swiftc -sanitize=fuzzer,address). Each starts from the committed seed
corpus (copied, so the repository is not modified) and runs FUZZ_SECONDS (default 20) seconds; a crash, an
AddressSanitizer report, a failed property (precondition), a >10 s input or >2 GB of memory fails the test
and keeps the input that did it."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ossfstest.binaries import repo_root

SECONDS = int(os.environ.get("FUZZ_SECONDS", "20"))
TARGETS = {"fuzz-xml": "xml", "fuzz-decoders": "decoders", "fuzz-options": "options"}


@pytest.fixture(scope="module")
def fuzz_binaries():
    root = repo_root()
    r = subprocess.run([str(root / "Fuzz" / "build.sh"), *TARGETS], capture_output=True, text=True, timeout=900,
                       cwd=root)
    assert r.returncode == 0, f"Fuzz/build.sh failed:\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}"
    return {name: root / ".build" / "fuzz" / name for name in TARGETS}


@pytest.mark.parametrize("target", list(TARGETS))
def test_fuzz_target(fuzz_binaries, target, tmp_path):
    seeds = repo_root() / "Fuzz" / "corpus" / TARGETS[target]
    corpus = tmp_path / "corpus"
    shutil.copytree(seeds, corpus)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    r = subprocess.run([str(fuzz_binaries[target]), f"-max_total_time={SECONDS}", "-timeout=10",
                        "-rss_limit_mb=2048", "-max_len=8192", "-print_final_stats=1",
                        f"-artifact_prefix={artifacts}/", str(corpus)],
                       capture_output=True, text=True, timeout=SECONDS + 120, cwd=tmp_path)
    found = sorted(p.name for p in artifacts.iterdir())
    assert r.returncode == 0 and not found, \
        f"{target} found a failing input {found} (kept in {artifacts}):\n{r.stderr[-6000:]}"
    runs = [line for line in r.stderr.splitlines() if line.startswith("stat::number_of_executed_units")]
    assert runs and int(runs[0].split(":")[-1]) > 1000, f"{target} barely ran:\n{r.stderr[-3000:]}"
    print(f"{target}: {runs[0]}")
