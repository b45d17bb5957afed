# content/module.mk - GMime 3 for MIME, libxml2's HTML parser for HTML to
# text, libpsl for registrable domains of link targets, libgsf for the
# OLE2 and zip containers of Word documents
DEPS_content = lib mail findings
PKGS_content = gmime-3.0 libxml-2.0 libpsl libgsf-1
