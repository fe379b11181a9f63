"""What a reply that can neither grow nor be replaced does while the answer is worked on: nothing.

Ephemeral messages (private answers) and a command's response_url (`/ask`) can't be streamed or updated, so
they show no progress or plan and send the answer whole when it is done (`finish`, in each subclass).
"""

from collections.abc import Sequence

from bot.answering.types import Progress


class WholeReply:
    def show_progress(self) -> None:
        """Nothing to replace later: the asker sees the answer when it is ready."""

    def set_title(self, title: str) -> None:
        """Only assistant threads have a title."""

    def show_plan(self, collections: Sequence[str]) -> None:
        """No message to grow: no plan."""

    def on_progress(self, progress: Progress) -> None:
        """No plan to advance."""

    def on_token(self, piece: str) -> None:
        """The answer is sent whole (a response_url takes at most five posts; an ephemeral message can't grow)."""
