"""`app_home_opened`: the Home tab is published; the Messages tab (the agent experience) greets a newcomer.
Both are acknowledged at once and done right after."""

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.db.engine import Database
from bot.slack.home.app_home import AppHome
from bot.slack.home.greeting import greet_once


def register(app: App, home: AppHome, database: Database) -> None:
    def acknowledge(ack: Ack) -> None:
        ack()

    def publish(body: dict, event: dict, client: WebClient) -> None:
        if not event.get("user"):
            return
        if event.get("tab") == "home":
            home.publish(client, event["user"])
        elif event.get("tab") == "messages" and event.get("channel"):
            greet_once(database, client, team_id=body.get("team_id", ""), user_id=event["user"], channel_id=event["channel"])

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish])
