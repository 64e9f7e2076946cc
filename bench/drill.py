"""The hardening drill of issue 12, to run before every release: proves again that

1. a link in the documents folder never publishes a file from outside it,
2. a damaged index pointer neither silences answers nor loses the index (embedded Chroma and a
   `chroma run` server), and clean-up keeps every complete generation,
3. decompression bombs are refused and ingest stays under 1.5 GB (the drill's two .docx files),
4. a tampered or truncated state file neither runs code nor stops the bot,
plus masking (5, 6), owner-only files (7), the webhook's 400 (8), kill -9 during ingest under
query load, and a full disk during ingest — on a real 8 MB tmpfs when run as root.

    python bench/drill.py [--skip-bombs]

Exit status 0 only if every part passed; each part prints one line.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

PYTEST_PARTS = {
    "1 links, 2 pointer, full disk (fault-injecting write)": ["tests/kb/test_kb_hardening.py"],
    "3 bomb limits (small bombs)": ["tests/kb/test_limits.py"],
    "4 state file, 6 log masking, 8 webhook": ["tests/telegram/test_hardening.py"],
    "5 masking formats": ["tests/helpdesk/test_masking_formats.py", "-k", "sqlite or not cadre"],
    "7 owner-only files": ["tests/test_permissions.py"],
    "kill -9 during ingest": ["tests/kb/test_kb_ingest.py", "-m", "slow", "-k", "killed"],
}

FULL_DISK = """
import errno, sys
from pathlib import Path
from bot.config import Settings
from bot.kb import KnowledgeBase
data, source = Path(sys.argv[1]), Path(sys.argv[2])
kb = KnowledgeBase(Settings(data_dir=data, kb_source=source))
first = kb.ingest()
for n in range(400):
    (source / f"more{n:03d}.txt").write_text(f"第{n}号通知\\n" + "各村要保障群众喝上干净的自来水，水质每季度检测一次。" * 40, "utf-8")
try:
    kb.ingest()
except OSError as exc:
    assert exc.errno == errno.ENOSPC, exc
    print("ingest failed with:", exc)
else:
    raise SystemExit("the disk did not fill up; make the tmpfs smaller")
assert kb.index.current() == first.generation, kb.index.current()
hit = kb.search("低保申请向谁提出", 3).hits[0]
assert hit.chunk.source == "a.txt", hit
print("previous generation", first.generation, "still serving")
"""


def run_pytest(name: str, args: list[str]) -> bool:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=ROOT, env=env,
        capture_output=True, text=True,
    )
    tail = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    print(f"{'PASS' if result.returncode == 0 else 'FAIL'}  {name}: {tail}", flush=True)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-2000:], sep="\n")
    return result.returncode == 0


def full_disk_on_tmpfs() -> bool:
    """Ingest into a real 8 MB tmpfs until it is full (root only: mounting needs it)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        print("FAIL  full disk on tmpfs: not run (needs root to mount a tmpfs); run the drill as root")
        return False
    with tempfile.TemporaryDirectory(prefix="drill-") as tmp:
        data, source = Path(tmp) / "data", Path(tmp) / "kb"
        data.mkdir()
        source.mkdir()
        (source / "a.txt").write_text(
            "农村低保\n申请最低生活保障的家庭，应当向户籍所在地乡镇人民政府提出书面申请。\n", "utf-8"
        )
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(data)], check=True)
        try:
            env = {"EMBEDDING_PRECISION": "int8", **os.environ, "PYTHONPATH": str(ROOT)}
            env.setdefault("MODEL_CACHE", str(Path(os.environ.get("VA_TEST_MODEL_CACHE", "data")) / "models"))
            result = subprocess.run(
                [PY, "-c", FULL_DISK, str(data), str(source)], cwd=ROOT, env=env, capture_output=True, text=True
            )
        finally:
            subprocess.run(["umount", str(data)], check=False)
    ok = result.returncode == 0
    lines = " / ".join(result.stdout.strip().splitlines()[-2:])
    print(f"{'PASS' if ok else 'FAIL'}  full disk on an 8 MB tmpfs: {lines}", flush=True)
    if not ok:
        print(result.stderr[-3000:])
    return ok


def bombs() -> bool:
    result = subprocess.run(
        [PY, "bench/bench_bombs.py", "--only", "docx 2 GiB", "docx 1 GiB run", "xlsx 2 GiB"],
        cwd=ROOT, capture_output=True, text=True,
    )
    ok = result.returncode == 0
    print(f"{'PASS' if ok else 'FAIL'}  3 drill bombs under 1.5 GB:")
    print("\n".join(line for line in result.stdout.splitlines() if line.startswith("|")))
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-bombs", action="store_true", help="leave out the full-size bombs (minutes)")
    args = parser.parse_args()
    results = [run_pytest(name, part) for name, part in PYTEST_PARTS.items()]
    results.append(full_disk_on_tmpfs())
    if not args.skip_bombs:
        results.append(bombs())
    print("drill:", "all passed" if all(results) else f"{results.count(False)} part(s) failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
