# spool/module.mk - the quarantine store writes its info files with jansson
DEPS_spool = lib
PKGS_spool = jansson
