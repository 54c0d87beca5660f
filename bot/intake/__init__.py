"""Report intake: the conversation over the forms engine and the user's draft. No Telegram.

- `flow`: the walker (`Intake`): load and lock the draft, replay and resume guard, next, back,
  skip, edit, submit.
- `screens`: what the walker shows (category menu, resume and cancel prompts, summary, a question
  with its navigation row) and `Screen`/`Outcome`.

The button action alphabet (`ReportAction`) is `bot.forms.actions`: the field types draw their own
buttons, and the forms sit below the intake.
"""
