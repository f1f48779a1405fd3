"""A build's log compared with another's (usually its recipe's last green build).

``volatile`` rewrites what changes from run to run (times, ids, temporary
paths) so it compares equal; ``hunks`` turns the comparison into hunks with
both logs' line numbers; ``__main__`` is the short-lived child process that
does both off the web process's event loop; ``runner`` starts it, bounds it
and keeps its answers; ``baseline`` finds the build to compare with.
"""
