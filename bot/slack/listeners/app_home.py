"""`app_home_opened` on the Home tab: acknowledged at once, the view published right after."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack.home.app_home import AppHome


def register(app: App, home: AppHome) -> None:
    def acknowledge(ack: Ack) -> None:
        ack()

    def publish(event: dict, client: WebClient) -> None:
        if event.get("tab") == "home" and event.get("user"):
            home.publish(client, event["user"])

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish])
