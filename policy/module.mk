# policy/module.mk - groups, verdicts, actions: nothing beyond the base
DEPS_policy = lib mail findings
