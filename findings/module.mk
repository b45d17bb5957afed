# findings/module.mk - the contract between the checks and the policy;
# findings render themselves as JSON (quarantine, history) with jansson
DEPS_findings = lib mail
PKGS_findings = jansson
