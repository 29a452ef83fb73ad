"""The kit every app stands on (issue 18, DESIGN §2): money in fen and its formats, the domain
errors and their API shape, pagination, the strict readers of ids, dates and JSON bodies, the
feed ingest helpers, bulk updates and upload judging. No models; it imports no app."""
