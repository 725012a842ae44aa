"""What a file check's child process needs, loaded once in the forkserver it is forked
from (``agency.kit.sandbox``): the intake modules and the ZIP table (tens of MB, shared
copy-on-write by every child instead of loaded by each)."""

from agency.kit import timezones
from agency.referrals import file_check as file_check

timezones.warm()
