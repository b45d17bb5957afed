# uds/module.mk - the UDS check (signatures, wire format, client):
# libsodium for keyed hashing (BLAKE2b, SipHash) and MACs, libpsl for the
# registrable domains of links.  winnow-udsd is udsd/, so winnowd links
# neither libuv nor LMDB nor hiredis.
DEPS_uds = lib mail findings
PKGS_uds = libsodium libpsl
