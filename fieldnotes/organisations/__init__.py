"""Organisations: the customer accounts a study visits, the near-duplicate rule and merging.

No pages here (the account pages are in `accounts`, above insights); this package offers the model,
the name rule (`names.py`) and the services (`service.py`) that visits, imports and accounts share.
"""
