# udsd/module.mk - winnow-udsd: the UDS server.  libuv for the event loop,
# LMDB and hiredis for its two stores, libsodium for the write MACs; of
# ours only lib/ and uds/'s wire format (uds_wire.h) - no check library.
DEPS_udsd = lib uds
PKGS_udsd = libuv lmdb hiredis libsodium
