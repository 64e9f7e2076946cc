"""Old office formats (.doc, .wps, .et, odd .xls) → modern ones, with headless LibreOffice.

Why LibreOffice and not a lighter reader: measured on a Word 97 .doc with a heading and a table
(docs/operations.md, "Document formats"), `catdoc` drops the table entirely and `antiword` keeps
the table but loses the heading levels the chunker builds sections from; neither reads WPS. The
LibreOffice result is a .docx/.xlsx that the ordinary loaders read, so tables and headings are
handled in one place.

Each conversion is a throwaway: the input is copied into a fresh temporary folder (LibreOffice
never sees the source path, whose name may be odd), a private LibreOffice profile is created
there (no shared state, no lock clash between concurrent conversions), the process runs in its own
process group and — where the kernel allows an unprivileged network namespace — without any
network, so a document with linked pictures cannot make the server fetch URLs. After `timeout`
seconds the whole group is killed and the file is reported; the folder is removed in every case.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from bot.kb.types import DocumentError, SkipReason

__all__ = ["DEFAULT_TIMEOUT", "ConverterMissingError", "check_not_garbled", "converted", "soffice_path"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0
# What LibreOffice prints/leaves behind for a file it cannot open: no output file at all.
_SOFFICE_NAMES = ("soffice", "libreoffice")


class ConverterMissingError(DocumentError):
    """LibreOffice is not installed: an operator problem, reported per file so the rest goes on."""


def soffice_path() -> str | None:
    """The LibreOffice binary, or None when the system package is not installed."""
    for name in _SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@functools.cache
def _no_network_prefix() -> tuple[str, ...]:
    """`unshare` arguments that run a command with no network, or () where the kernel refuses.

    Root (CI, a bare-metal install) can always create a network namespace; an unprivileged user
    can when user namespaces are enabled, which is the Debian default but not inside Docker's
    default seccomp profile. Without it the conversion still runs: LibreOffice itself opens no
    connection while converting; the namespace is defence in depth against linked content.
    """
    unshare = shutil.which("unshare")
    if unshare is None:
        log.warning("unshare not found: document conversion runs with the host network")
        return ()
    for args in ((unshare, "--net"), (unshare, "--net", "--map-root-user")):
        try:
            ok = subprocess.run([*args, "true"], capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        if ok:
            return args
    log.warning("cannot create a network namespace here: document conversion runs with the host network")
    return ()


def network_isolated() -> bool:
    """Whether conversions on this machine run without network (for health reports and tests)."""
    return bool(_no_network_prefix())


@contextlib.contextmanager
def converted(path: Path, target: str, src: str, *, timeout: float = DEFAULT_TIMEOUT) -> Iterator[Path]:
    """Convert `path` to the `target` extension ("docx", "xlsx") and yield the converted file.

    The yielded path lives in a temporary folder that is removed when the block exits, whatever
    happens. Raises DocumentError (with the reason for the ingest report) when LibreOffice is
    missing, runs past `timeout` seconds, or cannot open the file.
    """
    soffice = soffice_path()
    if soffice is None:
        raise ConverterMissingError(
            src,
            f"converter missing: install LibreOffice (Debian package libreoffice-writer-nogui / "
            f"libreoffice-calc-nogui) to read {path.suffix.lower()} files",
            SkipReason.CONVERTER_MISSING,
        )
    with tempfile.TemporaryDirectory(prefix="va-convert-") as tmp:
        folder = Path(tmp)
        source = folder / f"input{path.suffix.lower()}"
        shutil.copyfile(path, source)
        out = folder / "out"
        command = [
            *_no_network_prefix(),
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless", "--invisible", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
            "--convert-to", target, "--outdir", str(out), str(source),
        ]  # fmt: skip
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(folder),
            "TMPDIR": str(folder),
            "LANG": "C.UTF-8",
        }
        _run(command, env, timeout, src, path.suffix.lower())
        result = out / f"input.{target}"
        if not result.is_file() or result.stat().st_size == 0:
            raise DocumentError(
                src,
                f"corrupt or unreadable {path.suffix.lower()} (LibreOffice could not open it; "
                "damaged, password-protected or not really this format)",
                SkipReason.CORRUPT,
            )
        yield result


# Characters that real documents (almost) never hold but bytes misread as UTF-16 are full of:
# private-use and unassigned code points, surrogates, the replacement character, and the rare
# CJK Extension A block (6,500 characters no policy text uses). Measured on random bytes
# converted by LibreOffice: 25-30 % of the characters; on real Word files: well under 1 %.
_GARBLED_SHARE = 0.05


def _odd(ch: str) -> bool:
    return "\u3400" <= ch <= "\u4dbf" or ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cn", "Cs")


def check_not_garbled(text: str, src: str, suffix: str) -> str:
    """Refuse converted text that is binary noise: LibreOffice imports any file it cannot
    recognise as plain text, so a damaged .doc "converts" into pages of mojibake."""
    chars = [ch for ch in text[:200_000] if not ch.isspace()]
    if len(chars) >= 50 and sum(map(_odd, chars)) > _GARBLED_SHARE * len(chars):
        raise DocumentError(
            src,
            f"corrupt or unreadable {suffix} (its content is not a document LibreOffice recognises)",
            SkipReason.CORRUPT,
        )
    return text


def _run(command: list[str], env: dict[str, str], timeout: float, src: str, suffix: str) -> None:
    """Run LibreOffice in its own process group; kill the whole group on timeout."""
    proc = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        log.warning("%s: LibreOffice conversion killed after %.0f s", src, timeout)
        raise DocumentError(
            src,
            f"conversion timed out after {timeout:g} s (LibreOffice killed; file skipped)",
            SkipReason.CONVERSION_TIMEOUT,
        ) from None
    except BaseException:
        _kill_group(proc)
        raise
    if proc.returncode != 0:
        log.info(
            "%s: LibreOffice exited %s: %s", src, proc.returncode, output.decode(errors="replace")[-500:]
        )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=10)
