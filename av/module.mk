# av/module.mk - libclamav for scanning, GMime for the MIME walk, libmagic
# for the real type of attachments
DEPS_av = lib mail findings
PKGS_av = libclamav gmime-3.0 libmagic
