# winnow - mail content-filter server
#
#   make                 build everything into build/
#   make check           unit tests, golden files and integration tests
#   make unit            unit tests only (criterion)
#   make integration     integration tests only (real Postfix, smtp-sink, ...)
#   make install         PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc
#   make fuzz            libFuzzer targets (clang) into build/fuzz/
#   make check-layers    the include rules of STYLE.md
#
# Each module folder holds its sources and a module.mk naming the pkg-config
# packages (and plain libraries) it needs; every folder becomes one static
# library, and programs link the libraries they use.

PREFIX		?= /usr/local
SYSCONFDIR	?= /etc
SBINDIR		?= $(PREFIX)/sbin
BINDIR		?= $(PREFIX)/bin
DATADIR		?= $(PREFIX)/share/winnow
MANDIR		?= $(PREFIX)/share/man
UNITDIR		?= /lib/systemd/system
DESTDIR		?=

CC		?= cc
CFLAGS		?= -O2 -g
WARNFLAGS	 = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
		   -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
B		 = build

# Check modules: each is a folder with a module.mk.  Link order matters only
# for the group below; policy comes after the checks because they record
# their findings with policy/findings.c.
MODULES		 = lib spool policy dnsbl uds content av
PKGS		 = inih
LDLIBS_EXTRA	 =

-include $(wildcard $(MODULES:%=%/module.mk))

PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
INCLUDES	 = $(MODULES:%=-I%) -Iserver -Ipipe-client -Ictl
ALL_CPPFLAGS	 = -D_GNU_SOURCE -DSYSCONFDIR='"$(SYSCONFDIR)"' \
		   -DDATADIR='"$(DATADIR)"' $(INCLUDES) $(CPPFLAGS)
ALL_CFLAGS	 = -std=gnu11 $(WARNFLAGS) $(CFLAGS) $(PKG_CFLAGS)

# Only modules that have sources yet become libraries.
LIBMODS		 = $(foreach m,$(MODULES),$(if $(wildcard $(m)/*.c),$(m)))
ALL_LIBS	 = $(foreach m,content av dnsbl uds policy spool lib,\
		    $(if $(filter $(m),$(LIBMODS)),$(B)/lib$(m).a))

SERVER_SRCS	 = $(wildcard server/*.c)
SERVER_OBJS	 = $(SERVER_SRCS:%.c=$(B)/%.o)
SERVER_LIBOBJS	 = $(filter-out $(B)/server/main.o,$(SERVER_OBJS))
PIPE_SRCS	 = $(wildcard pipe-client/*.c)
PIPE_OBJS	 = $(PIPE_SRCS:%.c=$(B)/%.o)
PIPE_LIBOBJS	 = $(filter-out $(B)/pipe-client/main.o,$(PIPE_OBJS))
# winnow-pipe's objects but main.o: the program, its tests, and winnowd
# (which registers [client] so that one winnow.conf serves both).
PIPE_LIB	 = $(if $(PIPE_SRCS),$(B)/libpipe.a)
CTL_SRCS	 = $(wildcard ctl/*.c)
PROGRAMS	 = $(B)/winnowd $(if $(PIPE_SRCS),$(B)/winnow-pipe) \
		   $(if $(CTL_SRCS),$(B)/winnowctl) $(EXTRA_PROGRAMS)

UNIT_SRCS	 = $(wildcard t/unit/*/test_*.c)
UNIT_BINS	 = $(UNIT_SRCS:%.c=$(B)/%)
MOCK_SRCS	 = $(wildcard t/mock/*.c)
MOCK_OBJS	 = $(MOCK_SRCS:%.c=$(B)/%.o)

.PHONY: all check unit integration deps install uninstall clean fuzz \
	check-layers format bench

all: $(PROGRAMS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

define module_lib
$(B)/lib$(1).a: $(patsubst %.c,$(B)/%.o,$(wildcard $(1)/*.c))
	@mkdir -p $$(dir $$@)
	rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach m,$(LIBMODS),$(eval $(call module_lib,$(m))))

# The server's objects (all but main.o) form a library too, so tests and
# fuzz targets can link the real session code.
$(B)/libserver.a: $(SERVER_LIBOBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/libpipe.a: $(PIPE_LIBOBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/winnowd: $(SERVER_OBJS) $(PIPE_LIB) $(ALL_LIBS)
	$(CC) $(ALL_CFLAGS) -o $@ $(SERVER_OBJS) -Wl,--start-group \
	    $(PIPE_LIB) $(ALL_LIBS) -Wl,--end-group $(PKG_LIBS) \
	    $(LDLIBS_EXTRA) -lm $(LDFLAGS)

$(B)/winnow-pipe: $(B)/pipe-client/main.o $(PIPE_LIB) $(B)/libserver.a \
    $(ALL_LIBS)
	$(CC) $(ALL_CFLAGS) -o $@ $(B)/pipe-client/main.o \
	    -Wl,--start-group $(PIPE_LIB) $(B)/libserver.a $(ALL_LIBS) \
	    -Wl,--end-group $(PKG_LIBS) $(LDLIBS_EXTRA) -lm -lpthread \
	    $(LDFLAGS)

$(B)/winnowctl: $(CTL_SRCS:%.c=$(B)/%.o) $(B)/libserver.a $(PIPE_LIB) \
    $(ALL_LIBS)
	$(CC) $(ALL_CFLAGS) -o $@ $(CTL_SRCS:%.c=$(B)/%.o) \
	    -Wl,--start-group $(B)/libserver.a $(PIPE_LIB) $(ALL_LIBS) \
	    -Wl,--end-group $(PKG_LIBS) $(LDLIBS_EXTRA) -lm -lpthread \
	    $(LDFLAGS)

# Unit tests link the libraries, the server's objects (for t/unit/server),
# the test helpers and the mocks a test names in t/unit/<dir>/mocks.mk.
$(B)/t/unit/%: t/unit/%.c $(B)/t/testutil.o $(B)/libserver.a $(PIPE_LIB) \
    $(ALL_LIBS) $(MOCK_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -It $(ALL_CFLAGS) -o $@ $< $(B)/t/testutil.o \
	    $(MOCKS_$(notdir $@)) -Wl,--start-group $(B)/libserver.a \
	    $(PIPE_LIB) $(ALL_LIBS) -Wl,--end-group $(PKG_LIBS) $(LDLIBS_EXTRA) \
	    $(shell pkg-config --libs criterion) -lm -lpthread $(LDFLAGS)

$(B)/t/testutil.o: t/testutil.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -It $(ALL_CFLAGS) -MMD -MP -c $< -o $@

-include $(wildcard t/unit/*/mocks.mk)

deps:
	@scripts/install-deps --if-missing
	@scripts/setup-system
	@scripts/fetch-exim >/dev/null

unit: all $(UNIT_BINS)
	@t/netns t/run-unit $(UNIT_BINS)

integration: all
	@t/netns t/run-integration

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@t/netns t/run-tests

check-layers:
	@scripts/check-layers

format:
	clang-format -i $(wildcard */*.c */*.h)

bench: all
	@t/netns bench/relay.sh

fuzz:
	@$(MAKE) --no-print-directory -f fuzz/Makefile B=$(B)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/winnow \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR)
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(SBINDIR)/
	sed -e 's|/usr/local/sbin/winnow-pipe|$(SBINDIR)/winnow-pipe|' \
	    -e 's|/etc/winnow/winnow.conf|$(SYSCONFDIR)/winnow/winnow.conf|' \
	    scripts/winnow-mta-setup > $(DESTDIR)$(SBINDIR)/winnow-mta-setup
	chmod 0755 $(DESTDIR)$(SBINDIR)/winnow-mta-setup
	install -m 0644 data/content.model data/obscene-*.txt \
	    $(DESTDIR)$(DATADIR)/
	install -m 0644 scripts/winnow.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/winnow/winnow.conf.example
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    scripts/winnowd.service.in > $(DESTDIR)$(UNITDIR)/winnowd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/winnowd.service

uninstall:
	rm -f $(PROGRAMS:$(B)/%=$(DESTDIR)$(SBINDIR)/%)
	rm -f $(DESTDIR)$(SBINDIR)/winnow-mta-setup
	rm -f $(DESTDIR)$(UNITDIR)/winnowd.service
	rm -f $(DESTDIR)$(SYSCONFDIR)/winnow/winnow.conf.example

clean:
	rm -rf $(B)

# (build/exim holds Debian's Exim for the tests: not ours to include)
-include $(shell find $(B) -path $(B)/exim -prune -o -name '*.d' -type f \
    -print 2>/dev/null)
