"""Whole-log search: which lines of a build's log show a text (or match a
regex), streamed as they are found.

``display`` turns stored lines into the text the page displays (the twin of
``plainText`` in ansi.js); ``matcher`` finds a query in windows of stored
entries; ``reader`` reads a log a window at a time from Redis or its archive;
``job`` runs one search and writes its records; ``__main__`` is the
short-lived child process that runs it off the web process's event loop;
``runner`` starts it, bounds it and relays its records.
"""
