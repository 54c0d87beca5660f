"""Moderation rules: the review queue and every decision on a report. No Telegram here.

`review` holds the queue and the one versioned, audited shape every change takes; `decisions` the
moderator's verdicts and edits; `completion` a quick report's category; `location` the release of the
exact point; `questions` the exchange with the reporter; `prompts` the pending replies; `alerts` the
moderators' "reports are waiting" notices. Callers use this package's names.
"""

from bot.moderation.alerts import ALERT_INTERVAL, REVIEWER_ROLES, announce_new_reports
from bot.moderation.completion import set_category
from bot.moderation.decisions import (
    REASON_PREFIX,
    REJECT_REASONS,
    approve,
    edit_answer,
    merge,
    reason_link,
    reason_text,
    reject,
    toggle_sensitive,
)
from bot.moderation.location import release_location
from bot.moderation.prompts import (
    PROMPT_TTL,
    PendingInput,
    drop_prompt,
    expire_prompts,
    find_prompt,
    remember_prompt,
)
from bot.moderation.questions import (
    ANSWER_PREFIX,
    answer_info,
    answer_link,
    ask_info,
    open_question,
    rejection_reason,
)
from bot.moderation.review import (
    DUPLICATE_WINDOW,
    MAX_NOTE,
    Card,
    Exchange,
    Outcome,
    Report,
    ReportEvent,
    Result,
    answered_fields,
    card,
    editable_fields,
    get_report,
    history,
    next_pending,
    normalize_reference,
)

__all__ = [
    "ALERT_INTERVAL",
    "ANSWER_PREFIX",
    "DUPLICATE_WINDOW",
    "MAX_NOTE",
    "PROMPT_TTL",
    "REASON_PREFIX",
    "REJECT_REASONS",
    "REVIEWER_ROLES",
    "Card",
    "Exchange",
    "Outcome",
    "PendingInput",
    "Report",
    "ReportEvent",
    "Result",
    "announce_new_reports",
    "answer_info",
    "answer_link",
    "answered_fields",
    "approve",
    "ask_info",
    "card",
    "drop_prompt",
    "edit_answer",
    "editable_fields",
    "expire_prompts",
    "find_prompt",
    "get_report",
    "history",
    "merge",
    "next_pending",
    "normalize_reference",
    "open_question",
    "reason_link",
    "reason_text",
    "reject",
    "rejection_reason",
    "release_location",
    "remember_prompt",
    "set_category",
    "toggle_sensitive",
]
