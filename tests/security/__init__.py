"""The project's own security suite: sweeps of both apps' URL maps for what an outside
probe of the back office found (pages kept by caches, sign-out leaving copies of the
cookie alive, ids past a database integer, forms with repeated fields) and for who may
reach what. A new route or form is swept without anyone adding it here."""
