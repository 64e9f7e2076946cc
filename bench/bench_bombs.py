"""Peak memory of a real ingest run on decompression bombs and worst-case documents (issue 12).

    python bench/bench_bombs.py [--only NAME ...] [--timeout 300] [--out docs/benchmarks-bombs.md]

Each case is one file alone in a fresh knowledge-base folder, ingested by a fresh process exactly
as `python -m bot ingest` does (real embedding model, embedded Chroma); the process's peak RSS
(ru_maxrss from wait4) and wall time are reported with the outcome. The bar: under 1.5 GB for any
single file under the 20 MB upload limit. The first row (one small policy file) is the baseline
every run pays: Python, the model and Chroma.

The files are generated here (bench/bombs.py), never committed: "docx 2 GiB" is the issue's 5 MB
.docx holding 2 GiB of paragraphs, "docx 1 GiB run" its 1 MB .docx with one 1 GiB text run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bench import bombs  # noqa: E402
from bench._machine import describe, load_average  # noqa: E402

MB = 1024 * 1024
GIB = 1024 * MB
LIMIT_MB = 1536
POLICY = "第一条 申请最低生活保障的家庭，应当向户籍所在地乡镇人民政府提出书面申请。\n" * 20


def _txt(path: Path, size: int) -> Path:
    line = "第一条 申请最低生活保障的家庭，应当向户籍所在地乡镇人民政府提出书面申请。\n".encode()
    path.write_bytes(line * (size // len(line)))
    return path


CASES: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "baseline": ("policy.txt", lambda p: (p.write_text(POLICY, "utf-8"), p)[1]),
    "docx 2 GiB": ("bomb.docx", lambda p: bombs.docx_many_paragraphs(p, 2 * GIB)),
    "docx 1 GiB run": ("run.docx", lambda p: bombs.docx_one_huge_run(p, 1 * GIB)),
    "docx 19 MB XML": ("big.docx", lambda p: bombs.docx_many_paragraphs(p, 19 * MB)),
    "xlsx 2 GiB": ("bomb.xlsx", lambda p: bombs.xlsx_bomb(p, 2 * GIB)),
    "pdf 5000 pages": ("pages.pdf", lambda p: bombs.pdf_many_pages(p, 5000)),
    "pdf 1 GiB stream": ("stream.pdf", lambda p: bombs.pdf_flate_bomb(p, 1 * GIB)),
    "html 19 MB tags": ("tags.html", lambda p: bombs.html_many_tags(p, 19 * MB)),
    "txt 19 MB": ("long.txt", lambda p: _txt(p, 19 * MB)),
}

CHILD = """
import json, sys, time
from pathlib import Path
from bot.config import Settings
from bot.kb import KnowledgeBase
t0 = time.perf_counter()
kb = KnowledgeBase(Settings(data_dir=Path(sys.argv[1]), kb_source=Path(sys.argv[2])))
r = kb.ingest()
print(json.dumps({"added": r.added, "skipped": r.skipped, "chunks": r.chunks,
                  "seconds": time.perf_counter() - t0}))
"""


def run_case(name: str, filename: str, make: Callable[[Path], Path], model_cache: Path, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="bomb-") as tmp:
        folder = Path(tmp) / "kb"
        folder.mkdir()
        path = make(folder / filename)
        on_disk = path.stat().st_size
        # As the test suite does: EMBEDDING_PRECISION=auto would measure runtimes and write its
        # choice (and an ONNX copy) into the model cache, which may be shared.
        env = {"EMBEDDING_PRECISION": "int8", **os.environ, "MODEL_CACHE": str(model_cache)}
        env = {k: v for k, v in env.items() if not k.startswith("CHROMA_")}
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(Path(tmp) / "data"), str(folder)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT,
        )
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            timed_out = True
        wall = time.perf_counter() - start
        result = {"case": name, "file": filename, "on_disk_mb": on_disk / MB, "wall_s": wall}
        if timed_out:
            result["outcome"] = f"killed after {timeout:.0f} s"
        elif proc.returncode != 0:
            result["outcome"] = f"exit {proc.returncode}: {err.decode(errors='replace').strip().splitlines()[-1:]}"
        else:
            report = json.loads(out.decode().strip().splitlines()[-1])
            if report["added"]:
                result["outcome"] = f"indexed, {report['chunks']} passages"
            else:
                result["outcome"] = "skipped: " + "; ".join(r for _, r in report["skipped"])
        return result


def measure(name: str, filename: str, make: Callable[[Path], Path], model_cache: Path, timeout: float) -> dict:
    """Run one case in its own interpreter so RUSAGE_CHILDREN's maximum is this case's alone."""
    code = (
        "import json, resource, sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from bench.bench_bombs import CASES, run_case;"
        "name = sys.argv[2]; fn, make = CASES[name];"
        "r = run_case(name, fn, make, Path(sys.argv[3]), float(sys.argv[4]));"
        "r['peak_mb'] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024;"
        "print(json.dumps(r, ensure_ascii=False))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), name, str(model_cache), str(timeout)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=list(CASES), help="cases to run (default all)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--out", type=Path, help="write the results table (markdown) here too")
    args = parser.parse_args()
    from bot.config import Settings

    model_cache = Settings(data_dir=Path(os.environ.get("VA_TEST_MODEL_CACHE", "data"))).model_cache_dir
    rows = []
    for name in args.only or list(CASES):
        filename, make = CASES[name]
        row = measure(name, filename, make, model_cache, args.timeout)
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    lines = [
        f"Machine: {describe()}; {load_average()}.",
        "",
        "| case | on disk | outcome | wall | peak RSS |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    for r in rows:
        flag = "" if r["peak_mb"] < LIMIT_MB else " **over 1.5 GB**"
        lines.append(
            f"| {r['case']} | {r['on_disk_mb']:.2f} MB | {r['outcome']} | {r['wall_s']:.1f} s | "
            f"{r['peak_mb']:.0f} MB{flag} |"
        )
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.write_text(table + "\n", encoding="utf-8")
    return 0 if all(r["peak_mb"] < LIMIT_MB for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
