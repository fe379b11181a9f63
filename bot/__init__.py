"""docbot: a Slack bot that answers a team's questions from its own shared documents."""
