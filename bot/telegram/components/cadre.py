"""Cadres: /duties, /tickets (ticket buttons go through the generic button handler and the dialog),
and the daily digest of overdue requests run by the job queue."""

from __future__ import annotations

import logging
from datetime import time as dtime

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.assistant import Assistant
from bot.telegram.runtime import command, deliver, respond, services, user_ref

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
DIGEST_JOB = "overdue-digest"
OVERSIGHT_JOB = "oversight"  # 督办: reminders when a deadline passes, escalation days later


duties = command(Assistant.duties)
tickets = command(Assistant.tickets)


async def overdue_digest(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: one 超期提醒 per cadre with overdue requests."""
    svc = services(context)
    notices = await svc.run(svc.assistant.overdue_digest)
    sent = await deliver(context.bot, notices)
    log.info("overdue digest: %d of %d cadres notified", sent, len(notices))


async def oversight_due(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: 督办 reminders and escalations that are due."""
    svc = services(context)
    notices = await svc.run(svc.assistant.oversight_due)
    sent = await deliver(context.bot, notices)
    if notices:
        log.info("oversight: %d of %d reminders delivered", sent, len(notices))


async def extend(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    await respond(update, context, await svc.run(svc.assistant.extend, user_ref(update), context.args or []))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("duties", duties, filters=PRIVATE))
    app.add_handler(CommandHandler("tickets", tickets, filters=PRIVATE))
    app.add_handler(CommandHandler("extend", extend, filters=PRIVATE))
    settings = app.bot_data["services"].settings
    if app.job_queue is not None:
        at = dtime(hour=settings.digest_hour, tzinfo=settings.tz)
        app.job_queue.run_daily(overdue_digest, time=at, name=DIGEST_JOB)
        minutes = settings.oversight_check_minutes
        app.job_queue.run_repeating(oversight_due, interval=minutes * 60, first=60, name=OVERSIGHT_JOB)
