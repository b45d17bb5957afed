# spool/module.mk - nothing beyond the base packages
