# server/module.mk - winnowd: every folder below it
DEPS_server = lib spool smtp mail findings policy stats fleet dnsbl content av uds
# the control process: a libuv loop, HTTP by libmicrohttpd, JSON by jansson
PKGS_server = libuv libmicrohttpd jansson
