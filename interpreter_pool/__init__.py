"""Interpreters and agencies, languages, dispatch, interpreting sessions, contracts and billing."""
