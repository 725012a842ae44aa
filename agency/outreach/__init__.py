"""Outreach: the messages that leave agency (texts, e-mails, letters, calls, the Reg F
validation notice), each through the compliance gate and tracked to delivery."""
