"""The Slack side of docbot: a Bolt app whose thin listeners record questions and hand them to a worker."""
