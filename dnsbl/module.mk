# dnsbl/module.mk - ldns for DNS packets, libpsl and libidn2 for domains,
# libspf2 for SPF, threads for the per-message DNS worker
PKGS += ldns libpsl libidn2
LDLIBS_EXTRA += -lspf2 -lpthread
