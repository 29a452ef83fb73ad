"""Print shell exports pointing the tests at the local PostgreSQL and Redis when they answer.

`make test` evals this. Variables already set are kept; a service that does not answer is left
out, so the suite falls back to SQLite and the tests that need the service skip (outside CI) with
a message saying what to start.
"""

import os
import socket


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def main() -> None:
    if not os.environ.get("DATABASE_URL") and answers("127.0.0.1", 5432):
        print("export DATABASE_URL=postgres://postgres@127.0.0.1:5432/marketplace")
    if not os.environ.get("REDIS_URL") and answers("127.0.0.1", 6379):
        print("export REDIS_URL=redis://127.0.0.1:6379/0")


if __name__ == "__main__":
    main()
