# smtp/module.mk - the protocol half: sessions, framing, reinjection, DSNs,
# the queue of our own messages (spool/outq)
DEPS_smtp = lib spool
