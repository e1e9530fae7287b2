"""Writes of the week, split by subject: cycles, offers, ordering, payments."""
