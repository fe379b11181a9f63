"""`app_home_opened`: the Home tab is published; the Messages tab (the agent experience) greets a newcomer.
Both are acknowledged at once and done right after. An admin's "Add to the docs" / "Reject" on a waiting save
decides it, and the Home tab is published again."""

import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.db.engine import Database
from bot.errors import AlreadyDecided, NotFound
from bot.slack.home.app_home import AppHome
from bot.slack.home.greeting import greet_once
from bot.slack.home.view import APPROVE_SAVE_ACTION, REJECT_SAVE_ACTION
from bot.slack.knowledge.save_requests import SaveQueue

logger = logging.getLogger(__name__)


def register(app: App, home: AppHome, database: Database, saves: SaveQueue) -> None:
    def acknowledge(ack: Ack) -> None:
        ack()

    def publish(body: dict, event: dict, client: WebClient) -> None:
        if not event.get("user"):
            return
        if event.get("tab") == "home":
            home.publish(client, event["user"])
        elif event.get("tab") == "messages" and event.get("channel"):
            greet_once(database, client, team_id=body.get("team_id", ""), user_id=event["user"], channel_id=event["channel"])

    def decide_save(body: dict, action: dict, client: WebClient) -> None:
        admin = body["user"]["id"]
        value = action.get("value", "")
        if not home.is_admin(admin) or not value.isdigit():
            logger.warning("save review click refused user=%s", admin)
            return
        try:
            saves.decide(int(value), admin=admin, approve=action["action_id"] == APPROVE_SAVE_ACTION)
        except (AlreadyDecided, NotFound) as error:
            logger.info("save review not decided review=%s reason=%s", value, error)
        home.publish(client, admin)

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish])
    app.action(APPROVE_SAVE_ACTION)(ack=acknowledge, lazy=[decide_save])
    app.action(REJECT_SAVE_ACTION)(ack=acknowledge, lazy=[decide_save])
