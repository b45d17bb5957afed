# policy/module.mk - nothing beyond the base packages
