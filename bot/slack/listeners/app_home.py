"""`app_home_opened` on the Home tab: acknowledged at once, the view published right after; an admin's
"Add to the docs" / "Reject" on a waiting save decides it, and the tab is published again."""

import logging

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.errors import AlreadyDecided, NotFound
from bot.slack.home.app_home import AppHome
from bot.slack.home.view import APPROVE_SAVE_ACTION, REJECT_SAVE_ACTION
from bot.slack.knowledge.save_requests import SaveQueue

logger = logging.getLogger(__name__)


def register(app: App, home: AppHome, saves: SaveQueue) -> None:
    def acknowledge(ack: Ack) -> None:
        ack()

    def publish(event: dict, client: WebClient) -> None:
        if event.get("tab") == "home" and event.get("user"):
            home.publish(client, event["user"])

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
