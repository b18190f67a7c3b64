"""Back-office blueprints: each module holds one area of staff work."""
