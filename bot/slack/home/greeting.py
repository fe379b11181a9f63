"""The agent experience's welcome: the first time a person opens docbot's Messages tab, a greeting and
suggested prompts in that DM; never again for them.

In the agent experience (`agent_view`) Slack sends `app_home_opened` with `tab: "messages"` instead of
`assistant_thread_started`, and suggested prompts belong to the DM itself: a `thread_ts` would make
assistant.threads.setSuggestedPrompts silently do nothing.
"""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert

from bot.db.engine import Database
from bot.db.models import AgentGreeting
from bot.slack.common import texts

logger = logging.getLogger(__name__)


def greet_once(database: Database, client: WebClient, *, team_id: str, user_id: str, channel_id: str) -> bool:
    """Greets the person in their DM with docbot unless they were greeted before; True when greeted now.
    The greeting is claimed before it is posted, so two deliveries of the event greet once."""
    with database.session() as session:
        claimed = session.execute(
            insert(AgentGreeting).values(team_id=team_id, user_id=user_id).on_conflict_do_nothing().returning(AgentGreeting.user_id)
        ).first()
    if claimed is None:
        return False
    try:
        client.chat_postMessage(channel=channel_id, text=texts.ASSISTANT_GREETING)
    except SlackApiError as error:
        logger.warning("could not post the greeting error=%s", error.response.get("error"))
        with database.session() as session:  # not greeted after all: the next visit tries again
            session.execute(delete(AgentGreeting).where(AgentGreeting.team_id == team_id, AgentGreeting.user_id == user_id))
        return False
    try:
        client.assistant_threads_setSuggestedPrompts(channel_id=channel_id, prompts=texts.SUGGESTED_PROMPTS, title=texts.SUGGESTED_PROMPTS_TITLE)
    except SlackApiError as error:
        logger.info("suggested prompts refused error=%s", error.response.get("error"))
    return True
