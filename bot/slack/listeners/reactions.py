"""✅ on docbot's answer from the person who asked, or on an expert's reply (from the asker or an expert) in a
thread the experts were asked in: the thread is saved as a document (anyone else: nothing)."""

from slack_bolt import App

from bot.slack.knowledge.experts import ExpertDesk
from bot.slack.questions.intake import QuestionIntake
from bot.slack.knowledge.save_requests import SaveQueue


def register(app: App, intake: QuestionIntake, saves: SaveQueue, experts: ExpertDesk) -> None:
    @app.event("reaction_added")
    def take_reaction(body: dict, event: dict) -> None:
        team_id = body.get("team_id", "")
        request = saves.for_reaction(team_id, event) or experts.save_for_reaction(team_id, event)
        if request is not None and intake.claim(body["event_id"]):  # once across Slack's retries
            saves.queue(request)
