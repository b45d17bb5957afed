# stats/module.mk - counters, the live file, the store, queries, status,
# alerts and metrics; JSON with jansson; status names from findings and
# policy, the outq and quarantine from spool
DEPS_stats = lib spool mail findings policy
PKGS_stats = jansson
