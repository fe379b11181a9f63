"""✅ on docbot's answer, from the person who asked: the thread is saved as a document (anyone else: nothing)."""

from slack_bolt import App

from bot.slack.questions.intake import QuestionIntake
from bot.slack.knowledge.save_requests import SaveQueue


def register(app: App, intake: QuestionIntake, saves: SaveQueue) -> None:
    @app.event("reaction_added")
    def take_reaction(body: dict, event: dict) -> None:
        request = saves.for_reaction(body.get("team_id", ""), event)
        if request is not None and intake.claim(body["event_id"]):  # once across Slack's retries
            saves.queue(request)
