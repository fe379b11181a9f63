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
FEEDBACK_UP_LABEL = "This answer helped"
FEEDBACK_DOWN_LABEL = "This answer did not help"
FEEDBACK_THANKS = "Thanks for the feedback!"
FEEDBACK_UNKNOWN = "That answer is no longer on record, so the feedback was not saved."
CONTINUED = "_(continued)_"

SHARED_CHANNEL_REFUSED = (
    ":lock: This channel is shared with people outside the workspace, so I only answer here once an admin has "
    "opened it to them (`docbot channels map CHANNEL_ID COLLECTION --external`)."
)
# To someone from another organisation, or a guest, where no admin opened docbot to them: it names nothing.
NOT_OPEN_TO_YOU = ":lock: Sorry, I can't answer your questions here. An admin of this workspace can open docbot to you."

# Failures: short, in words a user understands; the details go to the log.
FAILED_GENERIC = ":warning: Sorry, something went wrong while answering. Please try again in a moment."
FAILED_SLACK = ":warning: Sorry, I found an answer but Slack would not let me post it. Please try again in a moment."
FAILED_MODEL = ":warning: Sorry, the language model did not answer. Please try again in a moment."
FAILED_CHANNEL_CHECK = ":warning: Sorry, Slack would not tell me who can see this channel, so I did not answer here."
FAILED_DATABASE = ":warning: Sorry, I could not reach the document database. Please try again in a moment."

# Saving threads as documents (the `save_to_docbot` shortcut and the ✅ reaction).
SAVING = ":hourglass_flowing_sand: Saving this thread to docbot…"
THREAD_SAVED = ":white_check_mark: Saved this thread to the *{collection}* collection as “{title}”: {change}."
THREAD_CHANGE = {"added": "new document", "updated": "updated", "unchanged": "already up to date"}
SAVE_REFUSED_DM = ":lock: I don't save direct messages as documents: they are private to the people in them."
SAVE_REFUSED_SHARED = (
    ":lock: This channel is shared with people outside the workspace, so I don't save its threads as team documents."
)
SAVE_NOT_IN_CHANNEL = "I can't read this channel's threads: invite me first (`/invite @docbot`), then save again."
SAVE_EMPTY = "There is no text in this thread to save."
SAVE_SKIPPED = ":warning: I could not save this thread: {reason}."
SAVE_WAITING_REVIEW = (
    ":hourglass_flowing_sand: Thanks! Only the person who asked this thread's first question, or an admin, adds it to "
    "the docs directly, so an admin will review it for the *{collection}* collection. I'll tell you how it went."
)
SAVE_REJECTED = ":no_entry: An admin reviewed this thread and decided not to add it to the docs."
SAVE_NO_COLLECTION = (
    ":lock: This channel sees several collections and none is chosen for saved threads, so I didn't save it. "
    "An admin can choose one: `docbot channels map {channel} COLLECTIONS… --save-to COLLECTION`."
)
FAILED_SAVE = ":warning: Sorry, something went wrong while saving this thread. Please try again in a moment."
FAILED_SAVE_CHANNEL_CHECK = ":warning: Sorry, Slack would not tell me who can see this channel, so I did not save the thread."

# Ask about any message (the `ask_docbot` shortcut).
ASK_SHORTCUT_EMPTY = "That message has no text to ask about."

# Private answers (`docbot channels private C --on`).
SHARE_BUTTON = "Share to channel"
SHARED_BY = "_Shared by <@{user}>_"
SHARE_REFUSED = "I could not share that answer: only the person who asked can share it, in the channel where it was given."
PRIVATE_NOTE = "_Only you can see this answer._"

# The weekly knowledge-gap digest.
DIGEST_HEADING = "*Knowledge gaps this week*: questions the docs could not answer, grouped by what they ask."
DIGEST_GROUP = "{rank}. *{count}×* “{example}” _(in {channels})_"
DIGEST_LEFT_OUT = "_{count} questions asked in DMs, private or shared channels, /ask or the assistant pane are counted without their text._"
DIGEST_HINT = "Write the missing docs, or save a thread that answers one with the *Save to docbot* shortcut."

# App Home.
HOME_COLLECTIONS = "*What docbot answers from in your channels*"
HOME_COLLECTION_LINE = "• *{name}*: {documents} documents, last updated {updated}"
HOME_NO_COLLECTIONS = "_None of your channels sees a collection yet._"
HOME_NEVER = "never"
HOME_QUESTIONS = "*Your recent questions*"
HOME_NO_QUESTIONS = "_You haven't asked anything yet: mention @docbot in a channel, DM it, or use /ask._"
HOME_QUESTION_LINE = "• {question} — _{outcome}_ in <#{channel}>{vote}"
HOME_GAPS = "*Knowledge gaps, last 7 days* (admins only): questions the docs could not answer, by topic"
HOME_NO_GAPS = "_No unanswered questions in the last 7 days._"
HOME_GAP_LINE = "• *{count}×* “{example}”"
HOME_GAP_EXPERTS = " — {asked} to experts, {docs} back as docs"
HOME_REVIEWS = "*Saves waiting for review* (admins only)"
HOME_REVIEW_LINE = "• “{title}” in <#{channel}> for *{collection}*, asked by <@{user}>"
HOME_APPROVE = "Add to the docs"
HOME_REJECT = "Reject"
HOME_GAPS_LEFT_OUT = "_{count} more asked in DMs, private or shared channels, /ask or the assistant pane: counted, not quoted._"
HOME_HELP = "Save a solved thread: *⋯ → Save to docbot* on any of its messages. Ask about a message: *⋯ → Ask docbot*."

# The plan a streamed answer shows while it is worked on (task_update / plan_update chunks).
PLAN_TITLE = "Answering from the docs"
TASK_SEARCH = "Searching {collections}"
TASK_SEARCH_ONE = "the {name} collection"
TASK_SEARCH_MANY = "the {names} collections"
TASK_READ = "Reading the sources"
TASK_READ_ONE = "Reading 1 source"
TASK_READ_MANY = "Reading {count} sources"
TASK_CHECK = "Writing the answer and checking it against the sources"
TASK_NOTHING_FOUND = "No source answers this"
TASK_NOT_NEEDED = "Not needed: nothing in the docs answers this"

# Asking an expert (when docbot abstains, or the asker votes 👎).
ASK_EXPERT_BUTTON = "🙋 Ask an expert"
ASK_EXPERT_AFTER_DOWNVOTE = "Sorry that didn't help. Want a person to look at it?"
EXPERTS_IN_THREAD = ":raising_hand: {mentions}: <@{asker}> asked “{question}” and the docs don't answer it. Could you reply here? A ✅ on the reply that answers it saves this thread to the docs."
EXPERTS_FROM_DM = ":envelope_with_arrow: {mentions}: <@{asker}> asked docbot in a DM: “{question}”. The docs don't answer it. Could you reply in this thread? A ✅ on the reply that answers it saves the thread to the docs."
EXPERTS_TOLD_IN_DM = "I've asked the experts in <#{channel}>; their answer will be in that thread."
EXPERTS_ASKED = "Done: the experts have been asked in the thread."
EXPERTS_ALREADY = "The experts were already asked about this thread."
EXPERTS_NONE = "No experts are named for this channel yet: an admin can name them with `docbot channels experts`."
EXPERTS_NO_DM_CHANNEL = "There is no channel for questions from DMs yet: an admin can name one with EXPERTS_CHANNEL."
EXPERTS_UNKNOWN = "That answer is no longer on record, so I can't pass it on."
EXPERTS_FAILED = ":warning: Sorry, Slack would not let me ask the experts. Please try again in a moment."
