"""Handling incidents: the inbox, acknowledging, attending, resolving, closing and commenting."""
