"""Sync: anonymised xAPI statements of finished attempts, an encrypted outbox in the device
database, enrolment with a programme hub, and a pinned-HTTPS client that sends in batches."""
