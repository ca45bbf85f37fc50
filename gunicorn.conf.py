"""gunicorn settings, read by ``gunicorn app:server`` from the working directory (command-line options win).

Measured with ``benchmarks/load_test.py`` (50 analysts and 10 big screens) on 2 cores.
"""

import gunicorn.http.wsgi

# The Server header names no software or version (gunicorn says "gunicorn"; the development server's handler,
# web.hardening.QuietRequestHandler, says the same as this).
gunicorn.http.wsgi.SERVER = "cityvitals"

# One process per core: Python runs one thread at a time per process, so more processes than cores
# only add memory and context switches.
workers = 2
# Threads let a worker take the next request while one waits for PostgreSQL, Redis or Argon2 (which
# releases the interpreter), instead of queueing it behind a slow page.
worker_class = "gthread"
threads = 4
# Browsers keep a connection open between clicks; closed after gunicorn's default 2 s, it would often be
# closed just as the next click's request goes out on it (locust saw connection resets).
keepalive = 75


def post_worker_init(worker):
    """Serve one request before the worker's threads take any: Dash builds its callback map on the first
    request, and two first requests on two threads race (``dictionary changed size during iteration``)."""
    worker.wsgi.test_client().get("/healthz")
