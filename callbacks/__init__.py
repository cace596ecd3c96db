"""Callback tasks, the clock process and every periodic job."""
