"""The one error type the pipeline raises for problems a user can fix.

The CLI turns a PipelineError into a single line on stderr and a non-zero exit; anything else
is a bug and keeps its traceback (behind --debug) so it can be reported.
"""


class PipelineError(Exception):
    """A bad input or a failed check, with a message that says what to change."""
