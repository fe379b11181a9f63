"""Thin Bolt listeners: each turns a Slack payload into a call on the intake (or feedback) and acknowledges."""

from slack_bolt import App

from bot.db.engine import Database
from bot.settings import Settings
from bot.slack.home.app_home import AppHome
from bot.slack.questions.intake import QuestionIntake
from bot.slack.listeners import app_home, ask_command, assistant, feedback, mentions, messages, reactions, share, shortcuts
from bot.slack.knowledge.save_requests import SaveQueue


def register(app: App, intake: QuestionIntake, database: Database, settings: Settings) -> None:
    assistant.register(app, intake)  # before `message`: it takes the DM threads of the assistant pane
    mentions.register(app, intake)
    messages.register(app, intake)
    ask_command.register(app, intake)
    feedback.register(app, database, settings.admin_users)


def register_knowledge_loop(app: App, intake: QuestionIntake, saves: SaveQueue, home: AppHome, database: Database) -> None:
    """Saving threads (shortcut, ✅), asking about a message, App Home, sharing private answers."""
    shortcuts.register(app, intake, saves)
    reactions.register(app, intake, saves)
    app_home.register(app, home, saves)
    share.register(app, database)
