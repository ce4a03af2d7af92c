"""flask housekeeping: the daily sweep of what nobody needs any more."""
