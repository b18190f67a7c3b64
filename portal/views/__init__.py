"""Portal blueprints: each module holds one part of the citizen's journey."""
