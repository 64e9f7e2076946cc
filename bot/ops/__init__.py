"""Operating the assistant on servers: start-up checks, health, backup and restore, schema upgrades.

Nothing here is needed to answer a question; it is what an operator runs around the bot
(`python -m bot check|start|health|backup|db ...`). Heavy imports (torch, Chroma) stay inside
the functions that need them so `check` and `health` answer in about a second.
"""
