"""The helpline's ground floor: settings, database, Twilio adapter, request log, console shell.

Importing the package loads nothing else: the application is built by
``hotline.app:create_app``.
"""
