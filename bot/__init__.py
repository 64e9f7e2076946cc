"""Village policy assistant: knowledge base, answers, help requests, Telegram and terminal front ends."""

__version__ = "0.1.0"
