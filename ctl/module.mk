# ctl/module.mk - winnowctl: the quarantine, learning and classifying (the
# content check), templates (policy); not the network or AV checks; libcurl
# for the control API (--url)
DEPS_ctl = lib spool smtp mail findings policy stats content
PKGS_ctl = libcurl
LIBS_ctl = -lpthread
