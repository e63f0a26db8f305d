"""The cache of a build, as every command reads it: the SQLite lookup index and the answers read from it."""
