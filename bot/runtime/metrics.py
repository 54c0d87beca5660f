"""Prometheus metrics. Module-level, as prometheus-client intends; served by `bot.runtime.web` at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES = Counter("khabar_updates_total", "Updates processed, by type", ["type"])
HANDLER_SECONDS = Histogram(
    "khabar_handler_seconds",
    "Time to process one update",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REPORTS = Gauge("khabar_reports", "Reports by review status", ["status"])
OUTBOX_DEPTH = Gauge("khabar_outbox_depth", "Outbox messages waiting to be sent")
DELIVERIES = Counter("khabar_deliveries_total", "Outbox deliveries by outcome", ["outcome"])
RETRY_AFTER = Counter("khabar_telegram_429_total", "429 Too Many Requests received from Telegram")
