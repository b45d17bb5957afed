# lib/module.mk - the base layer needs libinih for the configuration file
PKGS += inih
