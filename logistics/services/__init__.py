"""Writes of the hub side: closing a cycle, weights and shortages, crates. Planning comes later."""
