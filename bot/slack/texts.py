"""Every text docbot shows to people in Slack, in one place (like Bolt's `logger/messages.py`)."""

STATUS_SEARCHING = "is searching the docs…"
LOADING_MESSAGES = ["Searching the docs…", "Reading the best matches…", "Writing an answer…"]
PLACEHOLDER = ":hourglass_flowing_sand: Searching the docs…"

ASSISTANT_GREETING = "Hi! Ask me anything about the team's documents and I'll answer with sources."
SUGGESTED_PROMPTS_TITLE = "Try asking:"
SUGGESTED_PROMPTS = [
    {"title": "How do I get started?", "message": "How do I get started as a new team member?"},
    {"title": "Where is it written down?", "message": "Where can I find our team's policies?"},
]

EMPTY_QUESTION = "Ask me a question after the mention, for example: `@docbot how do I request leave?`"
ASK_USAGE = "Usage: `/ask your question`, for example `/ask how do I request leave?`"
ASK_WORKING = "Searching the docs for: {question}"

SOURCES_HEADING = "*Sources*"
NO_SOURCES = "_No sources matched this question._"
FEEDBACK_UP = "👍 Helpful"
FEEDBACK_DOWN = "👎 Not helpful"
FEEDBACK_THANKS = "Thanks for the feedback!"
FEEDBACK_UNKNOWN = "That answer is no longer on record, so the feedback was not saved."
CONTINUED = "_(continued)_"

SHARED_CHANNEL_REFUSED = (
    ":lock: This channel is shared with people outside the workspace, so I only answer here from "
    "collections an admin has mapped to it (`docbot channels map CHANNEL_ID COLLECTION`)."
)

# Failures: short, in words a user understands; the details go to the log.
FAILED_GENERIC = ":warning: Sorry, something went wrong while answering. Please try again in a moment."
FAILED_SLACK = ":warning: Sorry, I found an answer but Slack would not let me post it. Please try again in a moment."
FAILED_MODEL = ":warning: Sorry, the language model did not answer. Please try again in a moment."
FAILED_CHANNEL_CHECK = ":warning: Sorry, Slack would not tell me who can see this channel, so I did not answer here."
FAILED_DATABASE = ":warning: Sorry, I could not reach the document database. Please try again in a moment."
