# server/module.mk - winnowd: every folder below it
DEPS_server = lib spool smtp mail findings policy stats dnsbl content av
