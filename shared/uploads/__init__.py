"""Receiving uploaded files: streamed to disk under a size limit, typed by their content,
named safely. What to do with them (quarantine, scanning) is in `shared.services.documents`."""
