"""The served app (`litreview serve`): Flask routes and Jinja templates over the screening library.

app.py (factory, links, CSRF, headers), screen.py (the Screen page), pages.py (conflicts, full text,
duplicates, overview), queue.py (who sees which record next), text.py (escaped, marked text),
tokens.py (reviewers' links), server.py (waitress).
"""
