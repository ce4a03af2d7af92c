"""flask backup / flask restore: a consistent snapshot of the database and the media together."""
