"""Khabar: incident reports from field teams, moderated and shared as digests and exports."""

import os

# Opt in to python-telegram-bot's coming `datetime.timedelta` durations now (it reads this when a
# duration is read): without it, every 429 Telegram returns raises a deprecation warning inside PTB.
os.environ.setdefault("PTB_TIMEDELTA", "true")
