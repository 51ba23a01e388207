"""The one exception type for errors a user can cause.

Bad paths, unknown languages, missing columns, one class only, unsupported architectures: each
raises `AlignscopeError` with a one-line message saying what was wrong and what is accepted.
Entrypoints print that line without a traceback and exit with status 2.
"""


class AlignscopeError(ValueError):
    """A problem with the user's input, with a one-line message that says how to fix it."""
