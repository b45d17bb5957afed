# av/module.mk - libclamav for scanning, GMime for the MIME walk, libmagic
# for the real type of attachments
PKGS += libclamav gmime-3.0 libmagic
