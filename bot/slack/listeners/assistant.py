"""The assistant pane: suggested prompts when a thread starts; each message is a question in that thread."""

from slack_bolt import App, Assistant, BoltContext, BoltRequest, Say, SetSuggestedPrompts

from bot.slack.common import texts
from bot.slack.questions.intake import QuestionIntake
from bot.slack.listeners.payloads import is_last_delivery, question_from_event


def register(app: App, intake: QuestionIntake) -> None:
    assistant = Assistant()

    @assistant.thread_started
    def greet(body: dict, say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
        if not intake.claim(body["event_id"]):
            return
        say(texts.ASSISTANT_GREETING)
        set_suggested_prompts(prompts=texts.SUGGESTED_PROMPTS, title=texts.SUGGESTED_PROMPTS_TITLE)

    @assistant.thread_context_changed
    def ignore_context(body: dict) -> None:
        """Answers don't depend on the channel the user is viewing; Bolt's default would store it in Slack."""

    @assistant.user_message
    def take_message(body: dict, event: dict, context: BoltContext, request: BoltRequest) -> None:
        question = question_from_event(body, event, origin="assistant", bot_user_id=context.bot_user_id)
        intake.take(question, last_delivery=is_last_delivery(request))

    app.assistant(assistant)
