"""Cadres: /duties, /tickets (ticket buttons go through the generic button handler and the dialog),
and the daily digest of overdue requests run by the job queue."""

from __future__ import annotations

import logging
from datetime import time as dtime

from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.assistant import Assistant
from bot.telegram.runtime import command, deliver, services

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
DIGEST_JOB = "overdue-digest"


duties = command(Assistant.duties)
tickets = command(Assistant.tickets)


async def overdue_digest(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: one 超期提醒 per cadre with overdue requests."""
    svc = services(context)
    notices = await svc.run(svc.assistant.overdue_digest)
    sent = await deliver(context.bot, notices)
    log.info("overdue digest: %d of %d cadres notified", sent, len(notices))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("duties", duties, filters=PRIVATE))
    app.add_handler(CommandHandler("tickets", tickets, filters=PRIVATE))
    settings = app.bot_data["services"].settings
    if app.job_queue is not None:
        at = dtime(hour=settings.digest_hour, tzinfo=settings.tz)
        app.job_queue.run_daily(overdue_digest, time=at, name=DIGEST_JOB)
