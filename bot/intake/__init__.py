"""Report intake: the conversation over the forms engine and the user's draft. No Telegram.

- `flow`: the walker (`Intake`): load and lock the draft, replay and resume guard, next, back,
  skip, edit, submit.
- `screens`: what the walker shows (category menu, resume and cancel prompts, summary, a question
  with its navigation row) and `Screen`/`Outcome`.
- `actions`: the button action alphabet (`ReportAction`) and its callback-data packing.

Import from the modules themselves: this package imports nothing, so that `bot.forms.types` (which
draws the per-type buttons) can use `bot.intake.actions` without an import cycle.
"""
