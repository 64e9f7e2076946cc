"""The Telegram front end: a thin translator between PTB updates and `bot.assistant.Assistant`.

Entry point: `bot.telegram.app.build_application(settings, assistant)`; see docs/telegram.md.
"""
