"""Rebuild the course's molecule subset from the MOSES benchmark wheel (molsets 0.3.1 on PyPI).

    python scripts/build_dataset.py            # downloads the wheel with pip (no dependencies)
    python scripts/build_dataset.py --wheel path/to/molsets-0.3.1-py3-none-any.whl

Selection is deterministic: a numpy ``default_rng(SEED)`` permutation of MOSES ``train.csv.gz``
gives the course's train split, one of MOSES ``test.csv.gz`` gives the test split (MOSES keeps
the two disjoint). Each SMILES is canonicalised by RDKit and gets five properties computed by
``course_utils.chem.properties``. Files are written with gzip mtime 0, so a rebuild with the same
RDKit gives identical bytes; ``MANIFEST.json`` records counts and checksums.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils.chem import PROPERTY_NAMES, canonical_smiles, properties, silence_rdkit  # noqa: E402

WHEEL = "molsets-0.3.1-py3-none-any.whl"
WHEEL_SHA256 = "7f4450e3ebecebe79c3a2a55950c93daddee071120daf64a163d03481e811d34"
SEED = 2024
N_TRAIN = 250_000
N_TEST = 10_000
DECIMALS = {"logp": 3, "mw": 3, "qed": 4, "sa": 4, "tpsa": 2}
OUT = ROOT / "course_utils" / "data"


def fetch_wheel(dest: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "molsets==0.3.1", "-d", str(dest)],
        check=True,
    )
    return dest / WHEEL


def read_smiles(wheel: Path, member: str) -> list[str]:
    with zipfile.ZipFile(wheel) as zf, zf.open(member) as fh:
        text = gzip.decompress(fh.read()).decode()
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    col = header.index("SMILES")
    return [r[col] for r in body]


def _row(smiles: str) -> list[str]:
    silence_rdkit()
    canon = canonical_smiles(smiles)
    props = properties(canon)
    return [canon] + [f"{props[k]:.{DECIMALS[k]}f}" for k in PROPERTY_NAMES]


def write_split(name: str, smiles: list[str], workers: int) -> dict:
    with Pool(workers) as pool:
        rows = pool.map(_row, smiles, chunksize=500)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["smiles", *PROPERTY_NAMES])
    writer.writerows(rows)
    path = OUT / f"moses_{name}.csv.gz"
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(buf.getvalue().encode())
    data = path.read_bytes()
    return {"file": path.name, "rows": len(rows), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", type=Path, help="a local molsets-0.3.1 wheel (else pip downloads it)")
    parser.add_argument("--n-train", type=int, default=N_TRAIN)
    parser.add_argument("--n-test", type=int, default=N_TEST)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            raise SystemExit(f"unexpected wheel checksum {digest}, expected {WHEEL_SHA256}")
        train_all = read_smiles(wheel, "moses/dataset/data/train.csv.gz")
        test_all = read_smiles(wheel, "moses/dataset/data/test.csv.gz")

    rng = np.random.default_rng(SEED)
    train = [train_all[i] for i in rng.permutation(len(train_all))[: args.n_train]]
    test = [test_all[i] for i in rng.permutation(len(test_all))[: args.n_test]]
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {
        "source": "molsets 0.3.1 (PyPI wheel), moses/dataset/data/{train,test}.csv.gz",
        "source_sha256": WHEEL_SHA256,
        "seed": SEED,
        "source_rows": {"train": len(train_all), "test": len(test_all)},
        "splits": {
            "train": write_split("train", train, args.workers),
            "test": write_split("test", test, args.workers),
        },
    }
    (OUT / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
