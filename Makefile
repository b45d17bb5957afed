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
#   make SANITIZE=address,undefined check   the same, instrumented
#
# Each folder holds its sources and a module.mk naming the folders it may
# use and the pkg-config packages (and plain libraries) it needs
# (mk/layers.mk); every folder becomes one static library, compiled with
# the include paths of its layer only, and each program links the
# libraries of its own layer.

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

include mk/layers.mk

ALL_CPPFLAGS	 = -D_GNU_SOURCE -DSYSCONFDIR='"$(SYSCONFDIR)"' \
		   -DDATADIR='"$(DATADIR)"' $(CPPFLAGS)
ALL_CFLAGS	 = -std=gnu11 $(WARNFLAGS) $(CFLAGS) $(SANFLAGS)

# make SANITIZE=address,undefined: every object and program instrumented.
SANITIZE	?=
SANFLAGS	 = $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
		    -fno-sanitize-recover=undefined)

# Per folder, computed once: its include path and its packages' flags.
$(foreach f,$(FOLDERS),$(eval INC_$(f) := $(call incs_of,$(f))))
$(foreach f,$(FOLDERS),$(eval PCF_$(f) := $(call cflags_of,$(f))))
$(foreach f,$(FOLDERS),$(eval LDL_$(f) := $(call ldlibs_of,$(f))))

# The folder a source belongs to (t/unit/X/... belongs to X).
folder		 = $(if $(filter t,$(firstword $(subst /, ,$(1)))),$(word 3,\
		    $(subst /, ,$(1))),$(firstword $(subst /, ,$(1))))

LIBMODS		 = $(filter $(LIBFOLDERS),$(HAVE))
# A program folder's objects but its main file form a library too, so tests
# and fuzz targets link the real code.
MAIN_server	 = server/main.c
MAIN_pipe-client = pipe-client/main.c
MAIN_ctl	 = ctl/winnowctl.c
objs_of		 = $(patsubst %.c,$(B)/%.o,$(filter-out $(MAIN_$(1)),\
		    $(wildcard $(1)/*.c)))
# The archives a folder's programs and tests link, in link order.
archives_of	 = $(foreach f,$(call linkset,$(call layer,$(1))),\
		    $(if $(filter $(f),$(HAVE)),$(B)/lib$(f).a))

PROGRAMS	 = $(B)/winnowd $(B)/winnow-pipe $(B)/winnowctl \
		   $(EXTRA_PROGRAMS)

UNIT_SRCS	 = $(wildcard t/unit/*/test_*.c)
UNIT_BINS	 = $(UNIT_SRCS:%.c=$(B)/%)
MOCK_SRCS	 = $(wildcard t/mock/*.c)
MOCK_OBJS	 = $(MOCK_SRCS:%.c=$(B)/%.o)

.PHONY: all check unit integration deps install uninstall clean fuzz \
	check-layers format bench print-layers

all: $(PROGRAMS)

# WN_MODULE names the folder in log lines' per-module levels (log.h).
$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -DWN_MODULE='"$(call folder,$<)"' \
	    $(INC_$(call folder,$<)) $(ALL_CFLAGS) \
	    $(PCF_$(call folder,$<)) -MMD -MP -c $< -o $@

define folder_lib
$(B)/lib$(1).a: $(call objs_of,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach f,$(HAVE),$(eval $(call folder_lib,$(f))))

# link_prog FOLDER MAIN-OBJECT: a program from its main object and its
# layer's archives (no --start-group: the folders form no cycle)
link_prog	 = $(CC) $(ALL_CFLAGS) -o $@ $(2) $(call archives_of,$(1)) \
		    $(LDL_$(1)) -lm $(LDFLAGS)

$(B)/winnowd: $(B)/server/main.o $(call archives_of,server)
	$(call link_prog,server,$(B)/server/main.o)

$(B)/winnow-pipe: $(B)/pipe-client/main.o $(call archives_of,pipe-client)
	$(call link_prog,pipe-client,$(B)/pipe-client/main.o)

$(B)/winnowctl: $(B)/ctl/winnowctl.o $(call archives_of,ctl)
	$(call link_prog,ctl,$(B)/ctl/winnowctl.o)

# Unit tests of t/unit/X link X's layer, the test helpers and the mocks a
# test names in t/unit/X/mocks.mk.
.SECONDEXPANSION:
$(B)/t/unit/%: t/unit/%.c $(B)/t/testutil.o $(MOCK_OBJS) \
    $$(call archives_of,$$(call folder,t/unit/$$*))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(INC_$(call folder,$<)) -It $(ALL_CFLAGS) \
	    $(PCF_$(call folder,$<)) -o $@ $< $(B)/t/testutil.o \
	    $(MOCKS_$(notdir $@)) $(call archives_of,$(call folder,$<)) \
	    $(LDL_$(call folder,$<)) $(shell pkg-config --libs criterion) \
	    -lm -lpthread $(LDFLAGS)

$(B)/t/testutil.o: t/testutil.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Ilib -Ispool -Ismtp -It $(ALL_CFLAGS) -MMD -MP \
	    -c $< -o $@

$(B)/t/mock/%.o: t/mock/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Ilib -Ispool -Ismtp -It $(ALL_CFLAGS) -MMD -MP \
	    -c $< -o $@

-include $(wildcard t/unit/*/mocks.mk)

print-layers:
	@$(foreach f,$(FOLDERS),echo "$(f): $(DEPS_$(f))";)

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
