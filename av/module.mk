# av/module.mk - libclamav for scanning, libmagic for the real type of
# attachments; the MIME structure is the message index's (mail/)
DEPS_av = lib mail findings
PKGS_av = libclamav libmagic
