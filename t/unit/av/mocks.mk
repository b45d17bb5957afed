# t/unit/av/mocks.mk - the av tests build zip archives with zlib; test_av
# links a qsort that aborts on a NULL array (t/mock/strict_qsort.c)
MOCKS_test_av = -lz $(B)/t/mock/strict_qsort.o
MOCKS_test_avscan = -lz
MOCKS_test_avedit = -lz
MOCKS_test_avmime = -lz
MOCKS_test_avfilt = -lz
MOCKS_test_avconf = -lz
MOCKS_test_avhelp = -lz
MOCKS_test_avrename = -lz
# avtest.h decodes EICAR and encodes parts with GLib's base64 (av/ itself
# links no GLib)
TESTPKGS_av = glib-2.0
MOCKS_test_avcache = -lz
MOCKS_test_avcheck = -lz
MOCKS_test_avsscanf = -lz
