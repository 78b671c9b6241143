"""What every app builds on: tenant scoping, the acting principal and audit actor, typed
requests, rate limiting and the API base.

Imports run one way only, `core ← accounts ← apikeys ← usage`: nothing here imports an app
at run time. Annotations name the app models they describe inside `TYPE_CHECKING` blocks,
which no running code executes (tests/test_layering.py checks both rules).
"""
