# content/module.mk - GMime 3 for MIME, libxml2's HTML parser for HTML to
# text, libpsl for registrable domains of link targets
DEPS_content = lib mail findings
PKGS_content = gmime-3.0 libxml-2.0 libpsl
