"""Benchmark: signing and verifying ASiC-E containers against a floor measured in the same run.

    python bench/sign.py [--files 200] [--wide 1000] [--sizes 1000,100000] [--repeat 3]

Run by hand, not a test. Keys come from the throw-away test PKI (RSA 2048 for the
signer). Scenarios:

* **many**: ``--files`` containers of one document each (the sample subsidy
  convention, about 5 kB), one signature each;
* **wide**: one container of ``--wide`` files (the convention plus small CSV
  annexes), one signature;
* **batch N**: one container holding a reimbursement batch of N lines
  (``bench/validate.py`` writes it; add 1000000 to ``--sizes`` for the 1M case,
  about 400 MB and a few minutes).

The **floor** of each scenario does the unavoidable work with bare libraries:
SHA-256 of every data file, one RSA PKCS#1 v1.5 SHA-256 signature (sign) or
verification (verify), and the zip: for signing, writing the same files into a
zip the way the container does (deflated XML and CSV); for verification,
reading them back out of that zip (a verifier must inflate what the signer
deflated before it can hash it). The SDK's signing here skips the
schema check (``check_schema=False``; it is measured by ``bench/validate.py``);
its verification is complete (structure, manifest, digests, signature value,
certificate chain, policy). Each measurement runs ``--repeat`` times, SDK and
floor interleaved, and the fastest counts (shared machines are noisy).

Goal (issue 4): sign <= 1.5 x floor + 50 ms and verify <= 1.5 x floor + 50 ms
per container. Printed: milliseconds per container for SDK and floor, the ratio,
the goal and whether it is met, and the peak resident memory of the process
so far (``ru_maxrss``; data are streamed, so it should not follow the batch size).
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cpas.adapters.signing.keys import SigningKey
from cpas.adapters.signing.signer import sign_new
from cpas.adapters.signing.testpki import demo_pki
from cpas.adapters.signing.verify import Status, load_trust, verify
from cpas.adapters.xml.documents import to_xml
from cpas.sdk.parties import SignerRole
from cpas.sdk.samples import sample_set

_CHUNK = 1024 * 1024


class Row(NamedTuple):
    scenario: str
    containers: int
    sign_ms: float
    sign_floor_ms: float
    verify_ms: float
    verify_floor_ms: float
    peak_mib: float


def best(repeat: int, run: Callable[[], None]) -> float:
    """Fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def _sha256(path: Path) -> bytes:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.digest()


def floor_sign(files: Sequence[Path], key: rsa.RSAPrivateKey, target: Path) -> None:
    """SHA-256 of each file while writing it into a zip, then one RSA signature."""
    digests = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, path in enumerate(files):
            digest = hashlib.sha256()
            with open(path, "rb") as source, archive.open(f"f{index}", "w") as out:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            digests.append(digest.digest())
    key.sign(b"".join(digests), padding.PKCS1v15(), hashes.SHA256())


def floor_verify(archive_path: Path, key: rsa.RSAPublicKey, signature: bytes) -> None:
    """SHA-256 of each file read out of the floor's zip, then one RSA verification."""
    digests = []
    with zipfile.ZipFile(archive_path) as archive:
        for name in archive.namelist():
            digest = hashlib.sha256()
            with archive.open(name) as entry:
                while chunk := entry.read(_CHUNK):
                    digest.update(chunk)
            digests.append(digest.digest())
    key.verify(signature, b"".join(digests), padding.PKCS1v15(), hashes.SHA256())


def _peak_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def scenario(name: str, groups: Sequence[Sequence[Path]], signer: SigningKey,
             trust_pem: Path, work: Path, repeat: int) -> Row:
    """Sign and verify one container per group of files; times per container."""
    assert isinstance(signer.private_key, rsa.RSAPrivateKey)
    private = signer.private_key
    public = private.public_key()
    trust = load_trust([trust_pem])
    containers = [work / f"{name}-{i}.asice" for i in range(len(groups))]

    def sign_all() -> None:
        for group, container in zip(groups, containers, strict=True):
            sign_new(container, group[0], annexes=group[1:], key=signer,
                     role=SignerRole.PRESIDENT, check_schema=False)

    def verify_all() -> None:
        for container in containers:
            result = verify(container, trust)
            assert result.status is not Status.INVALID, result.problems

    floors = [work / f"floor-{name}-{i}.zip" for i in range(len(groups))]

    def floor_sign_all() -> None:
        for group, floor in zip(groups, floors, strict=True):
            floor_sign(group, private, floor)

    signatures = [private.sign(b"".join(_sha256(p) for p in group), padding.PKCS1v15(),
                               hashes.SHA256()) for group in groups]

    def floor_verify_all() -> None:
        for floor, signature in zip(floors, signatures, strict=True):
            floor_verify(floor, public, signature)

    count = len(groups)
    runs = (sign_all, floor_sign_all, verify_all, floor_verify_all)
    times = [[best(1, run) for run in runs] for _ in range(repeat)]  # interleaved
    sign_s, sign_floor_s, verify_s, verify_floor_s = (min(t[i] for t in times)
                                                      for i in range(4))
    return Row(name, count, 1000 * sign_s / count, 1000 * sign_floor_s / count,
               1000 * verify_s / count, 1000 * verify_floor_s / count, _peak_mib())


def _verdict(sdk_ms: float, floor_ms: float) -> str:
    goal = 1.5 * floor_ms + 50
    return f"{sdk_ms / floor_ms:6.1f}x  goal {goal:8.1f} ms {'met' if sdk_ms <= goal else 'MISSED'}"


def main(files: int, wide: int, sizes: Sequence[int], repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="cpas-bench-sign-") as scratch:
        work = Path(scratch)
        pki = demo_pki(work)
        convention = work / "convention.xml"
        convention.write_bytes(to_xml(sample_set().subsidy))
        rows = []
        print(f"scenario many: {files} containers of 1 document", flush=True)
        rows.append(scenario("many", [[convention]] * files, pki.president, pki.root_pem, work,
                             repeat))
        annexes = []
        for index in range(wide - 1):
            annex = work / "annexes" / f"annex-{index:04d}.csv"
            annex.parent.mkdir(exist_ok=True)
            annex.write_bytes(f"poste;montant\nligne {index};{index}.00\n".encode())
            annexes.append(annex)
        print(f"scenario wide: 1 container of {wide} files", flush=True)
        rows.append(scenario("wide", [[convention, *annexes]], pki.president, pki.root_pem,
                             work, repeat))
        sys.path.insert(0, str(Path(__file__).parent))
        from validate import write_batch

        for size in sizes:
            batch = work / f"batch-{size}.xml"
            write_batch(batch, size)
            print(f"scenario batch {size:,} lines: {batch.stat().st_size / 1e6:.1f} MB",
                  flush=True)
            rows.append(scenario(f"batch-{size}", [[batch]], pki.president, pki.root_pem,
                                 work, repeat))
            batch.unlink()
    print()
    print(f"{'scenario':<16}{'n':>5}  {'sign ms':>9} {'floor':>9}  {'ratio / goal':<36}"
          f"{'verify ms':>10} {'floor':>9}  {'ratio / goal':<36}{'peak MiB':>9}")
    for row in rows:
        print(f"{row.scenario:<16}{row.containers:>5}  {row.sign_ms:>9.2f} "
              f"{row.sign_floor_ms:>9.2f}  {_verdict(row.sign_ms, row.sign_floor_ms):<36}"
              f"{row.verify_ms:>10.2f} {row.verify_floor_ms:>9.2f}  "
              f"{_verdict(row.verify_ms, row.verify_floor_ms):<36}{row.peak_mib:>9.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--wide", type=int, default=1000)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    main(arguments.files, arguments.wide,
         [int(s) for s in arguments.sizes.split(",") if s], arguments.repeat)
