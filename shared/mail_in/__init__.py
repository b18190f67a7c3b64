"""Reply by email: signed reply addresses, parsing replies, and `caseway mail-in`."""
