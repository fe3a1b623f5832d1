"""Shared machinery used by every domain: errors, pagination, sorting, ETags, audit, idempotency."""
