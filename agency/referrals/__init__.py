"""Intake: referral files and API pushes read, checked and placed as cases."""
