# ctl/module.mk - winnowctl: the quarantine, learning and classifying (the
# content check), templates (policy); not the network or AV checks
DEPS_ctl = lib spool smtp mail findings policy stats content
LIBS_ctl = -lpthread
