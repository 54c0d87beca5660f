"""The Telegram runtime: the PTB application and its context, the runner, the web server, the CLI, the
sandbox, logging, metrics, the outbox sender and its budget, and the scheduled jobs.

Services (the rest of `bot/`) never import this package; handlers use its context and send helpers.
The import contracts in pyproject.toml hold these lines.
"""
