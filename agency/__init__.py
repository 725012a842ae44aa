"""agency: the back office of a third-party debt collection agency."""
