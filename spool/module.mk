# spool/module.mk - the quarantine store writes its info files with jansson
PKGS += jansson
