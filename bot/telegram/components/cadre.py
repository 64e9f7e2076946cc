"""Cadres: /duties, /tickets (ticket buttons go through the generic button handler and the dialog),
/extend (延期), and the scheduled casework jobs: the daily overdue digest, 回访 questions, 督办."""

from __future__ import annotations

import logging
from datetime import time as dtime

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.telegram.runtime import command, deliver, respond, services, user_ref

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
DIGEST_JOB = "overdue-digest"
FOLLOW_UP_JOB = "follow-up"
FOLLOW_UP_FIRST_SECONDS = 60  # the first look a minute after start, not during start-up
OVERSIGHT_JOB = "oversight"  # 督办: reminders when a deadline passes, escalation days later


duties = command(lambda a: a.cadre.duties)
tickets = command(lambda a: a.cadre.tickets)


async def overdue_digest(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: one 超期提醒 per cadre with overdue requests."""
    svc = services(context)
    notices = await svc.run(svc.assistant.cadre.overdue_digest)
    sent = await deliver(context.bot, notices)
    log.info("overdue digest: %d of %d cadres notified", sent, len(notices))


async def oversight_due(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: 督办 reminders and escalations that are due."""
    svc = services(context)
    notices = await svc.run(svc.assistant.oversight.due)
    sent = await deliver(context.bot, notices)
    if notices:
        log.info("oversight: %d of %d reminders delivered", sent, len(notices))


async def extend(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    await respond(update, context, await svc.run(svc.assistant.oversight.extend, user_ref(update), context.args or []))


async def follow_up(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job: the 回访 question (满意 / 基本满意 / 不满意) to every villager whose request was resolved
    FOLLOW_UP_DELAY_HOURS ago. The helpdesk marks each request asked, so a restart never asks twice."""
    svc = services(context)
    notices = await svc.run(svc.assistant.feedback.due)
    if notices:
        sent = await deliver(context.bot, notices)
        log.info("回访: %d of %d villagers asked", sent, len(notices))


def schedule_jobs(app: Application) -> None:
    """The casework jobs on PTB's JobQueue (python-telegram-bot[job-queue], see pyproject.toml).

    Scheduled work for cadres and villagers goes here, one job per name, so tests find each by
    name: the overdue digest, the 回访 questions, 督办 reminders and escalation."""
    if app.job_queue is None:
        log.warning("PTB's job queue is not installed: no overdue digest, 回访 or 督办")
        return
    settings = app.bot_data["services"].settings
    at = dtime(hour=settings.digest_hour, tzinfo=settings.tz)
    app.job_queue.run_daily(overdue_digest, time=at, name=DIGEST_JOB)
    app.job_queue.run_repeating(
        follow_up,
        interval=settings.follow_up_check_minutes * 60,
        first=FOLLOW_UP_FIRST_SECONDS,
        name=FOLLOW_UP_JOB,
    )
    minutes = settings.oversight_check_minutes
    app.job_queue.run_repeating(oversight_due, interval=minutes * 60, first=60, name=OVERSIGHT_JOB)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("duties", duties, filters=PRIVATE))
    app.add_handler(CommandHandler("tickets", tickets, filters=PRIVATE))
    app.add_handler(CommandHandler("extend", extend, filters=PRIVATE))
    schedule_jobs(app)
