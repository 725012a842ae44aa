"""Promises, plans and settlements on a case: made within the client's authority or sent
to a supervisor's approval queue, cancelled with who and why, broken when missed, kept."""
