# ctl/module.mk - winnowctl: the quarantine, learning and classifying (the
# content check), templates (policy), statistics (stats), UDS reports
# (uds: its client, no server); not the DNS or AV checks; libcurl for the
# control API (--url)
DEPS_ctl = lib spool smtp mail findings policy stats fleet content uds
PKGS_ctl = libcurl
LIBS_ctl = -lpthread
