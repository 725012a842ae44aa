"""The providers a message leaves through: one interface (``base.Provider``), a sandbox
and a real provider for each channel, chosen from the settings (``providers``)."""
