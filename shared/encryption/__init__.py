"""Encryption at rest by the application: a database dump or a copied bucket alone reveals
none of the sensitive fields or documents.

- `keys`: the process-wide keyring (Fernet master keys, newest first, and the lookup key).
- `columns`: column types that encrypt on write and decrypt on read, and keyed hashes.
- `files`: documents sealed with a data key of their own (AES-256-GCM, in chunks).
"""
