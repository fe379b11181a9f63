"""App Home: the tab that shows what a person's channels can see and how their questions went."""
