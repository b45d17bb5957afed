# dnsbl/module.mk - ldns for DNS packets, libpsl and libidn2 for domains,
# libspf2 for SPF, threads for the per-message DNS worker
DEPS_dnsbl = lib mail findings
PKGS_dnsbl = ldns libpsl libidn2
LIBS_dnsbl = -lspf2 -lpthread
