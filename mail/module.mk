# mail/module.mk - the one representation of a message, and its edits
DEPS_mail = lib
