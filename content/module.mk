# content/module.mk - the message index (mail/) for MIME, libxml2's HTML
# parser for HTML to text, libpsl for registrable domains of link targets,
# GLib for Unicode character classes and case, libgsf for the OLE2 and zip
# containers of Word documents
DEPS_content = lib mail findings
PKGS_content = glib-2.0 libxml-2.0 libpsl libgsf-1
