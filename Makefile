# winnow - mail content-filter server
#
#   make                 build everything into build/
#   make check           unit tests, golden files and integration tests
#   make unit            unit tests only (criterion)
#   make integration     integration tests only (real Postfix, smtp-sink, ...)
#   make install         PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc
#   make uninstall       the same variables; says what it keeps
#   make man             winnowd.8 and winnow.conf.5 again from the tables
#   make fuzz            libFuzzer targets (clang) into build/fuzz/
#   make check-layers    the include rules of STYLE.md
#   make format          clang-format the lines changed since the last commit
#   make format-drift    how many lines of the tree .clang-format would change
#
#   make check-sanitize  the unit tests built with ASan and UBSan into
#                        build/san (make B=build/san SANITIZE=address,undefined
#                        unit), then the fuzz regression (fuzz/run-regress,
#                        always instrumented); any sanitizer report fails
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
DOCDIR		?= $(PREFIX)/share/doc/winnow
UNITDIR		?= /lib/systemd/system
LOCALSTATEDIR	?= /var
SPOOLDIR	?= $(LOCALSTATEDIR)/spool/winnow
STATEDIR	?= $(LOCALSTATEDIR)/lib/winnow
WINNOW_USER	?= winnow
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
MAIN_udsd	 = udsd/main.c
objs_of		 = $(patsubst %.c,$(B)/%.o,$(filter-out $(MAIN_$(1)),\
		    $(wildcard $(1)/*.c)))
# The archives a folder's programs and tests link, in link order.
archives_of	 = $(foreach f,$(call linkset,$(call layer,$(1))),\
		    $(if $(filter $(f),$(HAVE)),$(B)/lib$(f).a))

PROGRAMS	 = $(B)/winnowd $(B)/winnow-pipe $(B)/winnowctl \
		   $(B)/winnow-udsd $(EXTRA_PROGRAMS)

UNIT_SRCS	 = $(wildcard t/unit/*/test_*.c)
UNIT_BINS	 = $(UNIT_SRCS:%.c=$(B)/%)
MOCK_SRCS	 = $(wildcard t/mock/*.c)
MOCK_OBJS	 = $(MOCK_SRCS:%.c=$(B)/%.o)
# LD_PRELOAD shims of the integration tests (t/shim; never installed)
SHIM_SRCS	 = $(wildcard t/shim/*.c)
SHIMS		 = $(SHIM_SRCS:%.c=$(B)/%.so)

.PHONY: all check unit integration deps install uninstall clean fuzz \
	check-layers check-sanitize format format-drift bench print-layers \
	man check-man

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

$(B)/winnow-udsd: $(B)/udsd/main.o $(call archives_of,udsd)
	$(call link_prog,udsd,$(B)/udsd/main.o)

# Unit tests of t/unit/X link X's layer, the test helpers, the mocks a
# test names in t/unit/X/mocks.mk and the packages only the tests use
# (TESTPKGS_X there).
.SECONDEXPANSION:
$(B)/t/unit/%: t/unit/%.c $(B)/t/testutil.o $(MOCK_OBJS) \
    $$(call archives_of,$$(call folder,t/unit/$$*))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(INC_$(call folder,$<)) -It $(ALL_CFLAGS) \
	    $(PCF_$(call folder,$<)) $(call testpkgs,$(call folder,$<),cflags) \
	    -o $@ $< $(B)/t/testutil.o \
	    $(MOCKS_$(notdir $@)) $(call archives_of,$(call folder,$<)) \
	    $(LDL_$(call folder,$<)) $(call testpkgs,$(call folder,$<),libs) \
	    $(shell pkg-config --libs criterion) -lm -lpthread $(LDFLAGS)

testpkgs	 = $(if $(TESTPKGS_$(1)),$(shell pkg-config --$(2) \
		    $(TESTPKGS_$(1))))

$(B)/t/testutil.o: t/testutil.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Ilib -Ispool -Ismtp -It $(ALL_CFLAGS) -MMD -MP \
	    -c $< -o $@

$(B)/t/mock/%.o: t/mock/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -Ilib -Ispool -Ismtp -It $(ALL_CFLAGS) -MMD -MP \
	    -c $< -o $@

-include $(wildcard t/unit/*/mocks.mk)

# No sanitizer flags: a shim is preloaded into the plain build's winnowd.
$(B)/t/shim/%.so: t/shim/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) -std=gnu11 $(WARNFLAGS) $(CFLAGS) -fPIC -shared \
	    -o $@ $< -ldl

print-layers:
	@$(foreach f,$(FOLDERS),echo "$(f): $(DEPS_$(f))";)

deps:
	@scripts/install-deps --if-missing
	@scripts/setup-system
	@scripts/fetch-exim >/dev/null
	@t/make-pkg-chroot
	@scripts/fetch-sendmail >/dev/null

unit: all $(UNIT_BINS)
	@t/netns t/run-unit $(UNIT_BINS)

integration: all $(SHIMS)
	@t/netns t/run-integration

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(SHIMS)
	@t/netns t/run-tests

check-layers:
	@scripts/check-layers

# A sanitizer report aborts the test (-fno-sanitize-recover); t/run-unit
# sets the runtime options (t/lsan.supp).
check-sanitize:
	@$(MAKE) --no-print-directory B=$(B)/san SANITIZE=address,undefined \
	    unit
	@fuzz/run-regress

# The lines you changed since the last commit, to .clang-format (never the
# whole tree: clang-format cannot say KNF's tab-stop alignment, see there).
format:
	git clang-format --style=file

format-drift:
	@scripts/format-drift

bench: all
	@t/netns bench/relay.sh

fuzz:
	@$(MAKE) --no-print-directory -f fuzz/Makefile B=$(B)

MAN5		 = man/winnow.conf.5
MAN8		 = man/winnowd.8 man/winnowctl.8 man/winnow-pipe.8 \
		   man/winnow-mta-setup.8 man/winnow-udsd.8
UNITS		 = winnowd.service winnow-purge.service winnow-purge.timer \
		   winnow-udsd.service
DATAFILES	 = content.model obscene-en.txt obscene-ru.txt
WEBFILES	 = index.html app.js app.css favicon.svg

# man: the generated pages again (after a parameter changed); the suite
# checks they match (t/integration/test_910_man.py).
man: $(B)/winnowd
	scripts/gen-man --winnowd $(B)/winnowd

check-man: $(B)/winnowd
	scripts/gen-man --winnowd $(B)/winnowd --check

# The units name the programs where they were installed.
UNIT_SED	 = sed -e 's|@SBINDIR@|$(SBINDIR)|g' \
		    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/winnow \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(SBINDIR)/
	sed -e 's|/usr/local/sbin/winnow-pipe|$(SBINDIR)/winnow-pipe|' \
	    -e 's|/etc/winnow/winnow.conf|$(SYSCONFDIR)/winnow/winnow.conf|' \
	    scripts/winnow-mta-setup > $(DESTDIR)$(SBINDIR)/winnow-mta-setup
	chmod 0755 $(DESTDIR)$(SBINDIR)/winnow-mta-setup
	install -m 0644 $(DATAFILES:%=data/%) $(DESTDIR)$(DATADIR)/
	install -d $(DESTDIR)$(DATADIR)/web
	install -m 0644 $(WEBFILES:%=web/%) $(DESTDIR)$(DATADIR)/web/
	install -m 0644 scripts/winnow.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/winnow/winnow.conf.example
	install -m 0644 scripts/winnow-udsd.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/winnow/winnow-udsd.conf.example
	$(UNIT_SED) scripts/winnowd.service.in > \
	    $(DESTDIR)$(UNITDIR)/winnowd.service
	$(UNIT_SED) scripts/winnow-purge.service.in > \
	    $(DESTDIR)$(UNITDIR)/winnow-purge.service
	$(UNIT_SED) scripts/winnow-udsd.service.in > \
	    $(DESTDIR)$(UNITDIR)/winnow-udsd.service
	install -m 0644 scripts/winnow-purge.timer $(DESTDIR)$(UNITDIR)/
	chmod 0644 $(UNITS:%=$(DESTDIR)$(UNITDIR)/%)
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 scripts/exec-setid.conf $(DESTDIR)$(DOCDIR)/examples/
	@# The spool and what winnow learns, the user's own (when it exists
	@# and this is the real system: scripts/setup-system makes both).
	install -d -m 0700 $(DESTDIR)$(SPOOLDIR)
	install -d -m 0755 $(DESTDIR)$(STATEDIR)
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && \
	    getent passwd $(WINNOW_USER) >/dev/null; then \
		chown $(WINNOW_USER): $(SPOOLDIR) $(STATEDIR); \
	elif [ -z "$(DESTDIR)" ]; then \
		echo "make install: no user $(WINNOW_USER) yet: run" \
		    "scripts/setup-system to make it and give it" \
		    "$(SPOOLDIR) and $(STATEDIR)"; \
	fi

# uninstall: what install put there; the configuration, the spool (with
# the quarantine and unsent notices), what was learned and the user stay.
uninstall:
	rm -f $(PROGRAMS:$(B)/%=$(DESTDIR)$(SBINDIR)/%)
	rm -f $(DESTDIR)$(SBINDIR)/winnow-mta-setup
	rm -f $(UNITS:%=$(DESTDIR)$(UNITDIR)/%)
	rm -f $(DESTDIR)$(SYSCONFDIR)/winnow/winnow.conf.example
	rm -f $(DESTDIR)$(SYSCONFDIR)/winnow/winnow-udsd.conf.example
	rm -f $(DATAFILES:%=$(DESTDIR)$(DATADIR)/%)
	rm -f $(WEBFILES:%=$(DESTDIR)$(DATADIR)/web/%)
	-rmdir $(DESTDIR)$(DATADIR)/web 2>/dev/null
	rm -f $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%)
	rm -f $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%)
	rm -f $(DESTDIR)$(DOCDIR)/examples/exec-setid.conf
	-rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(DATADIR) 2>/dev/null
	@echo "make uninstall: kept on purpose (remove them by hand if you" \
	    "want them gone):"
	@for f in $(SYSCONFDIR)/winnow $(SPOOLDIR) $(STATEDIR); do \
		[ -e "$(DESTDIR)$$f" ] && echo "  $(DESTDIR)$$f"; \
	done; true
	@echo "  (the configuration, the spool with the quarantine and" \
	    "unsent notices, the learned model)"
	@getent passwd $(WINNOW_USER) >/dev/null && echo "  the user" \
	    "$(WINNOW_USER) (deluser --system $(WINNOW_USER))"; true

clean:
	rm -rf $(B)

# (build/exim holds Debian's Exim for the tests, build/pkg-chroot a Debian
# system and build/pkg the package builds: their *.d files are not ours)
-include $(shell find $(B) \( -path $(B)/exim -o -path $(B)/pkg-chroot -o \
    -path $(B)/pkg \) -prune -o -name '*.d' -type f -print 2>/dev/null)
