"""A leader-elected controller: one replica works at a time, another takes over when it goes."""
