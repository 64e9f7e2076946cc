"""Operating the assistant on servers: start-up checks, health, backup and restore, schema upgrades.

Nothing here is needed to answer a question; it is what an operator runs around the bot
(`python -m bot check|start|health|backup|db ...`). Each store owns its backup part
(bot/helpdesk/backup.py, bot/analytics_backup.py, bot/kb/backup.py); backup.py coordinates them.
Torch and Chroma are imported only where a model or a vector store is opened, so `check` and
`health` stay quick.
"""
