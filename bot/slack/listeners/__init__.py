"""Thin Bolt listeners: each turns a Slack payload into a call on the intake (or feedback) and acknowledges."""

from slack_bolt import App

from bot.db.engine import Database
from bot.slack.intake import QuestionIntake
from bot.slack.listeners import ask_command, assistant, feedback, mentions, messages


def register(app: App, intake: QuestionIntake, database: Database) -> None:
    assistant.register(app, intake)  # before `message`: it takes the DM threads of the assistant pane
    mentions.register(app, intake)
    messages.register(app, intake)
    ask_command.register(app, intake)
    feedback.register(app, database)
