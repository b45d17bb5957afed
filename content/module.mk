# content/module.mk - GMime 3 for MIME, libxml2's HTML parser for HTML to
# text, libpsl for registrable domains of link targets
PKGS += gmime-3.0 libxml-2.0 libpsl
