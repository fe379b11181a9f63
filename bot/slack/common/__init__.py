"""What every part of the Slack side uses: the Web API client, the texts people see, message formatting, which
collections a channel may see (channel map and access), the expiring cache and the metrics."""
