"""Data contracts: the checks at every table boundary and their report."""
