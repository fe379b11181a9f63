"""Thin Bolt listeners: each turns a Slack payload into a call on the intake (or feedback) and acknowledges."""

from slack_bolt import App

from bot.db.engine import Database
from bot.settings import Settings
from bot.slack.home.app_home import AppHome
from bot.slack.questions.intake import QuestionIntake
from bot.slack.knowledge.experts import ExpertDesk
from bot.slack.listeners import app_home, ask_command, assistant, expert_requests, feedback, mentions, messages, reactions, share, shortcuts
from bot.slack.knowledge.save_requests import SaveQueue


def register(app: App, intake: QuestionIntake, database: Database, settings: Settings, experts: ExpertDesk) -> None:
    assistant.register(app, intake)  # before `message`: it takes the DM threads (assistant_view's and the agent experience's)
    mentions.register(app, intake)
    messages.register(app, intake, experts)
    ask_command.register(app, intake)
    feedback.register(app, database, experts, settings.admin_users)


def register_knowledge_loop(app: App, intake: QuestionIntake, saves: SaveQueue, home: AppHome, database: Database, experts: ExpertDesk) -> None:
    """Saving threads (shortcut, ✅), asking about a message, App Home, sharing private answers, asking an expert."""
    shortcuts.register(app, intake, saves)
    reactions.register(app, intake, saves, experts)
    expert_requests.register(app, experts)
    app_home.register(app, home, database, saves)
    share.register(app, database)
