"""Our small HTTP routes beside Reflex's: replies, pre-flight estimates, exports."""
