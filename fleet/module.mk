# fleet/module.mk - what several winnowd nodes share through Redis: the
# [fleet] section and its URL, the key and value encodings, and a blocking
# client for winnowctl (the daemon's fleet process talks to Redis through
# hiredis's async API in server/fleet.c).  Counters are stats' svec.
DEPS_fleet = lib spool mail findings policy stats
PKGS_fleet = hiredis jansson
