"""docbot's one exception hierarchy.

Each class's docstring is its default message, so `raise DatabaseUnreachable()` reads well and a
caller can always show `str(error)` to a person. Messages never carry secrets.
"""


class DocbotError(Exception):
    """Something went wrong in docbot."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())


class ConfigError(DocbotError):
    """A setting is missing or invalid."""


class DatabaseError(DocbotError):
    """The database could not be used."""


class DatabaseUnreachable(DatabaseError):
    """The database server could not be reached."""


class DatabaseAuthFailed(DatabaseError):
    """The database server refused the credentials."""


class PgvectorMissing(DatabaseError):
    """The database server has no pgvector extension."""


class PgvectorTooOld(DatabaseError):
    """The database server's pgvector is older than docbot needs."""


class TaskQueueUnsupported(DatabaseError):
    """The installed procrastinate needs a task-queue schema that docbot's migrations do not make."""


class IngestError(DocbotError):
    """A document could not be ingested."""


class UnsupportedDocument(IngestError):
    """The file is not a document docbot can read."""


class NothingIngested(IngestError):
    """Nothing was ingested: every file was skipped."""


class LocationUnreadable(IngestError):
    """A location could not be read, or read as empty where documents are stored: nothing of it was removed."""

    def __init__(self, message: str | None = None, summary: object = None) -> None:
        super().__init__(message)
        self.summary = summary  # what the run did with the other locations


class SourceUnreachable(IngestError):
    """The source (a git repository) could not be read: network, authentication or server."""


class EmbeddingModelMismatch(IngestError):
    """The collection was built with a different embedding model."""


class NotFound(DocbotError):
    """The thing asked for does not exist."""


class AlreadyDecided(DocbotError):
    """That save review was approved or rejected already."""


class AnswerError(DocbotError):
    """The question could not be answered."""


class LLMError(AnswerError):
    """The language model failed to answer."""


class EvalFileError(DocbotError):
    """The evaluation file could not be read."""


class SlackError(DocbotError):
    """Slack could not be reached or refused the call."""


class ChannelCheckFailed(SlackError):
    """Slack would not say whether the channel is shared outside the workspace, or who the asker is."""


class InvalidChannel(DocbotError):
    """That is not a Slack channel ID."""


class EmbeddingServiceError(DocbotError):
    """The embedding server could not be used."""
