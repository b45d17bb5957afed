# lib/module.mk - the base layer needs libinih for the configuration file
DEPS_lib =
PKGS_lib = inih
