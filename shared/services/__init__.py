"""Domain services: plain functions taking a session and typed, keyword-only arguments.

They check rules, write Event/AuditEvent/Notice rows and flush; they never commit.
"""
