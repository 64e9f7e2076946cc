"""Admins: the knowledge base's documents (reload, upload, list, remove), numbers (/stats, the
monthly report) and the ledger export. Invites and villages are `bot.assistant.directory`.

A knowledge-base change runs under one lock: a second admin is told to wait rather than queued
behind a long ingest.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot import texts
from bot.assistant.context import AssistantContext, friendly
from bot.assistant.replies import Attachment, Block, Button, Reply, UserRef, chunks, keyboard
from bot.helpdesk import export_ledger, local_time
from bot.helpdesk.report import Month, last_complete_month, monthly_report
from bot.helpdesk.report_files import report_files
from bot.kb.types import SkipReason

log = logging.getLogger(__name__)

_MB = 1024 * 1024
MONTH_WORDS = frozenset({"month", "月报", "月", "本月", "monthly"})  # /stats month [2026-11]


def doc_key(source: str) -> str:
    """Short stable key of a document for button payloads (file names can exceed 64 bytes)."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:10]


def reason_zh(code: SkipReason) -> str:
    """Why a file was not added, in Chinese (the knowledge base gives the reason as a code)."""
    return texts.BOT_REASONS.get(code.value, texts.BOT_REASON_UNKNOWN)


def note_zh(note: str) -> str:
    """Chinese for a partly-read note (English "; "-joined warnings from the OCR reader)."""
    found = [zh for key, zh in texts.BOT_NOTES.items() if key in note.lower()]
    return "；".join(dict.fromkeys(found)) or texts.BOT_REASON_UNKNOWN


def _size(n: int) -> str:
    return f"{n / _MB:.1f} MB" if n >= _MB else f"{max(n // 1024, 1)} KB"


class Admin:
    """An admin's side: knowledge-base documents, statistics, the ledger."""

    def __init__(self, context: AssistantContext) -> None:
        self._ctx = context

    # ------------------------------------------------------------------------ documents
    @friendly
    def reload(self, user: UserRef, progress: Callable[[str], None] | None = None) -> Reply:
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        if not self._ctx.kb_lock.acquire(blocking=False):
            return Reply.of(texts.BOT_RELOAD_BUSY)
        try:
            report = self._ctx.kb.ingest(progress=self._progress(progress))
        except Exception:
            log.exception("reload failed")
            return Reply.of(texts.BOT_RELOAD_FAILED)
        finally:
            self._ctx.kb_lock.release()
        log.info("reload by %s: %s", user.id, report.summary().splitlines()[0])
        lines = [
            texts.BOT_RELOAD_SKIPPED_LINE.format(
                source=src, reason=reason_zh(report.skip_codes.get(src, SkipReason.OTHER))
            )
            for src, _ in report.skipped
        ] + [texts.BOT_PARTLY_READ_LINE.format(source=src, note=note_zh(note)) for src, note in report.notes]
        done = texts.BOT_RELOAD_DONE.format(
            added=len(report.added),
            updated=len(report.updated),
            removed=len(report.removed),
            unchanged=len(report.unchanged),
            skipped=len(report.skipped),
            chunks=report.chunks,
            seconds=report.seconds,
        )
        return Reply.of(done, "\n".join(lines))

    @staticmethod
    def _progress(callback: Callable[[str], None] | None) -> Callable[[str, int, int], None] | None:
        if callback is None:
            return None

        def tick(stage: str, done: int, total: int) -> None:
            label = texts.BOT_RELOAD_STAGES.get(stage, stage)
            callback(texts.BOT_RELOAD_PROGRESS.format(stage=label, done=done, total=total))

        return tick

    def check_upload(self, user: UserRef, filename: str | None, size: int | None) -> Reply | None:
        """Why this upload is refused (before downloading it), or None if it may proceed."""
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_DOCUMENT_NOT_ALLOWED)
        from bot.kb.ingest import MAX_FILE_BYTES
        from bot.kb.loaders import SUPPORTED_SUFFIXES
        from bot.kb.service import KnowledgeBaseError, safe_filename

        name = filename or ""
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            allowed = "、".join(sorted(SUPPORTED_SUFFIXES))
            return Reply.of(
                texts.BOT_UPLOAD_BAD_TYPE.format(suffix=suffix or name[-20:] or "?", allowed=allowed)
            )
        try:
            safe_filename(name)
        except KnowledgeBaseError:
            return Reply.of(texts.BOT_UPLOAD_BAD_NAME)
        limit = min(self._ctx.settings.max_upload_mb * _MB, MAX_FILE_BYTES)
        if size is not None and size > limit:
            return Reply.of(texts.BOT_UPLOAD_TOO_LARGE.format(size=size / _MB, limit=limit // _MB))
        return None

    @friendly
    def add_document(
        self, user: UserRef, filename: str, data: bytes, progress: Callable[[str], None] | None = None
    ) -> Reply:
        refusal = self.check_upload(user, filename, len(data))
        if refusal is not None:
            return refusal
        from bot.kb.service import KnowledgeBaseError, safe_filename

        name = safe_filename(filename)
        if not self._ctx.kb_lock.acquire(blocking=False):
            return Reply.of(texts.BOT_RELOAD_BUSY)
        try:
            report = self._ctx.kb.add_file(filename, data, progress=self._progress(progress))
        except KnowledgeBaseError as exc:
            log.info("upload %r refused: %s", name, exc)
            return Reply.of(texts.BOT_UPLOAD_UNREADABLE.format(name=name, reason=reason_zh(exc.code)))
        except Exception:  # e.g. another process is ingesting: the served index is untouched
            log.exception("upload %r failed", name)
            return Reply.of(texts.BOT_RELOAD_FAILED)
        finally:
            self._ctx.kb_lock.release()
        if name in report.skip_codes:
            reason = reason_zh(report.skip_codes[name])
            return Reply.of(texts.BOT_UPLOAD_UNREADABLE.format(name=name, reason=reason))
        if name in report.unchanged:
            return Reply.of(texts.BOT_UPLOAD_UNCHANGED.format(name=name))
        info = next((d for d in self._ctx.kb.documents() if d.source == name), None)
        log.info("document %s added by %s", name, user.id)
        notes = [
            texts.BOT_PARTLY_READ_LINE.format(source=name, note=note_zh(note))
            for source, note in report.notes
            if source == name
        ]
        return Reply.of(
            texts.BOT_UPLOAD_DONE.format(
                title=info.title if info else name, chunks=info.chunks if info else 0
            ),
            *notes,
        )

    @friendly
    def documents(self, user: UserRef) -> Reply:
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        docs = self._ctx.kb.documents()
        if not docs:
            return Reply.of(texts.BOT_DOCS_EMPTY)
        lines = [
            texts.BOT_DOCS_LINE.format(
                n=n, title=d.title, source=d.source, chunks=d.chunks, size=_size(d.size)
            )
            for n, d in enumerate(docs, 1)
        ]
        title = texts.BOT_DOCS_TITLE.format(count=len(docs), chunks=sum(d.chunks for d in docs))
        remove = [
            Button(texts.BOT_DOCS_REMOVE_BUTTON.format(n=n), "dr", doc_key(d.source))
            for n, d in enumerate(docs, 1)
        ]
        blocks = (Block("\n".join(lines), title=title), Block(texts.BOT_DOCS_HINT))
        return Reply(blocks, chunks(remove, 5))

    @friendly
    def ask_remove_document(self, user: UserRef, key_or_name: str) -> Reply:
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        wanted = key_or_name.strip()
        if not wanted:
            return Reply.of(texts.BOT_RMDOC_USAGE)
        doc = next(
            (
                d
                for d in self._ctx.kb.documents()
                if wanted in (doc_key(d.source), d.source, d.title, Path(d.source).name)
            ),
            None,
        )
        if doc is None:
            return Reply.of(texts.BOT_DOCS_UNKNOWN.format(source=wanted[:60]))
        return Reply.of(
            texts.BOT_DOCS_CONFIRM.format(title=doc.title, source=doc.source),
            buttons=keyboard(
                [
                    Button(texts.BOT_DOCS_CONFIRM_YES, "dx", doc_key(doc.source)),
                    Button(texts.BOT_DOCS_CONFIRM_NO, "dk"),
                ]
            ),
        )

    @friendly
    def remove_document(self, user: UserRef, key: str) -> Reply:
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        doc = next((d for d in self._ctx.kb.documents() if doc_key(d.source) == key), None)
        if doc is None:  # pressed twice, or removed by someone else: never show the key itself
            return Reply.of(texts.BOT_DOCS_ALREADY_REMOVED, edit=True)
        if not self._ctx.kb_lock.acquire(blocking=False):
            return Reply.of(texts.BOT_RELOAD_BUSY)
        from bot.kb.service import KnowledgeBaseError

        try:
            self._ctx.kb.remove_document(doc.source)
        except KnowledgeBaseError:  # removed by someone else meanwhile
            return Reply.of(texts.BOT_DOCS_UNKNOWN.format(source=doc.source), edit=True)
        except Exception:
            log.exception("removing %s failed", doc.source)
            return Reply.of(texts.BOT_RELOAD_FAILED, edit=True)
        finally:
            self._ctx.kb_lock.release()
        log.info("document %s removed by %s", doc.source, user.id)
        left = len(self._ctx.kb.documents())
        return Reply.of(
            texts.BOT_DOCS_REMOVED.format(title=doc.title, source=doc.source, count=left), edit=True
        )

    # ------------------------------------------------------------------------ numbers
    @staticmethod
    def _model_block(counts: dict[tuple[str, str], int]) -> Block:
        """How the optional model did (bot/llm): its answers, and each reason the original was shown."""
        fallbacks = {gate: n for (mode, gate), n in counts.items() if mode == "extractive"}
        lines = [
            texts.BOT_STATS_MODEL.format(
                llm=sum(n for (mode, _), n in counts.items() if mode == "llm"), fallback=sum(fallbacks.values())
            )
        ]
        if fallbacks:
            reasons = "；".join(
                texts.BOT_STATS_MODEL_REASON.format(label=texts.MODEL_FALLBACK_LABELS.get(gate, gate), count=n)
                for gate, n in sorted(fallbacks.items(), key=lambda item: (-item[1], item[0]))
            )
            lines.append(texts.BOT_STATS_MODEL_REASONS.format(reasons=reasons))
        return Block("\n".join(lines), title=texts.BOT_STATS_MODEL_TITLE)

    @friendly
    def stats(self, user: UserRef, args: Sequence[str] = ()) -> Reply:
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        if args and args[0].lower() in MONTH_WORDS:
            return self.monthly_report(user, " ".join(args[1:]))
        blocks: list[Block] = []
        if self._ctx.analytics is not None:
            q = self._ctx.analytics.question_stats()
            blocks.append(
                Block(
                    texts.BOT_STATS_QUESTIONS.format(
                        total=q.total,
                        week=q.last_week,
                        users=q.users,
                        unanswered=q.unanswered,
                        share=q.unanswered_share,
                        up=q.useful,
                        down=q.not_useful,
                    ),
                    title=texts.BOT_STATS_TITLE,
                )
            )
            top = "\n".join(
                texts.BOT_STATS_TOP_LINE.format(n=n, question=texts.one_line(question, 40), count=count)
                for n, (question, count) in enumerate(q.top_unanswered, 1)
            )
            blocks.append(Block(top or texts.BOT_STATS_NONE, title=texts.BOT_STATS_TOP_UNANSWERED))
            if self._ctx.answers.uses_model:
                blocks.append(self._model_block(self._ctx.analytics.model_stats()))
        counts = self._ctx.helpdesk.queries.request_counts(user.id)  # counted in the database, not read
        status_lines = "　".join(
            texts.BOT_STATS_STATUS_LINE.format(status=status.label, count=count)
            for status, count in counts["by_status"].items()
        )
        blocks.append(
            Block(
                status_lines or texts.BOT_STATS_NONE,
                title=texts.BOT_STATS_BY_STATUS.format(total=counts["total"]),
            )
        )
        busiest_first = sorted(
            counts["by_village"].items(), key=lambda item: (-item[1]["open"], item[0].full_name)
        )
        village_lines = "\n".join(
            texts.BOT_STATS_VILLAGE_LINE.format(
                village=village.full_name, total=c["total"], open=c["open"], overdue=c["overdue"]
            )
            for village, c in busiest_first
        )
        blocks.append(Block(village_lines or texts.BOT_STATS_NONE, title=texts.BOT_STATS_BY_VILLAGE))
        blocks.append(Block(texts.BOT_REPORT_USAGE))
        last = last_complete_month(self._ctx.helpdesk.context.now(), self._ctx.tz)
        button = Button(texts.BOT_REPORT_BUTTON.format(month=last.label_zh), "mr", last.label)
        return Reply(tuple(blocks), keyboard([button]))

    @friendly
    def monthly_report(self, user: UserRef, month: str = "") -> Reply:
        """/stats month [2026-11]: the 月报 as a chart (photo) and a workbook to forward; without a
        month, the last complete one (what an admin asks for at the start of a month)."""
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        helpdesk = self._ctx.helpdesk
        report = monthly_report(helpdesk, user.id, Month.parse(month) if month.strip() else None)
        workbook, chart = report_files(report, self._ctx.tz)
        title = texts.HD_REPORT_TITLE.format(month=report.month.label_zh)
        as_of = local_time(report.generated_at, self._ctx.tz)
        rate = texts.HD_REPORT_NO_RATE
        t, s = report.total, report.satisfaction
        summary = texts.BOT_REPORT_SUMMARY.format(
            title=title,
            filed=t.filed,
            resolved=t.resolved,
            on_time_rate=f"{t.on_time_rate:.0%}" if t.on_time_rate is not None else rate,
            overdue=t.overdue,
            rated=s.rated,
            satisfied=s.satisfied,
            basic=s.basic,
            unsatisfied=s.unsatisfied,
            satisfaction_rate=f"{s.rate:.0%}" if s.rate is not None else rate,
            supervised=report.supervised,
            reopened=report.reopened,
            extended=report.extended,
        )
        if not report.complete:
            summary += "\n" + texts.BOT_REPORT_PARTIAL.format(now=as_of)
        caption = texts.BOT_REPORT_CAPTION.format(title=title, now=as_of)
        return Reply(
            (Block(summary),),
            photos=(Attachment(f"report-{report.month.label}.png", chart, title),),
            attachment=Attachment(
                texts.BOT_REPORT_FILENAME.format(month=report.month.label), workbook, caption
            ),
        )

    @friendly
    def export(self, user: UserRef) -> Reply:
        if not self._ctx.identity(user).is_admin:
            return Reply.of(texts.BOT_ADMIN_ONLY)
        buffer = io.BytesIO()
        count = export_ledger(self._ctx.helpdesk, user.id, buffer, "xlsx")
        now = datetime.now(UTC).astimezone(self._ctx.tz)
        attachment = Attachment(
            texts.BOT_EXPORT_FILENAME.format(date=now.strftime("%Y-%m-%d")),
            buffer.getvalue(),
            texts.BOT_EXPORT_CAPTION.format(now=now.strftime("%Y-%m-%d %H:%M"), count=count),
        )
        return Reply(attachment=attachment)
