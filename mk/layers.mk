# mk/layers.mk - the folders, what each may use, and their packages
#
# Every folder has a module.mk that sets DEPS_<folder> (the folders below
# it whose headers it may include) and PKGS_<folder> / LIBS_<folder> (its
# pkg-config packages and plain libraries).  A folder is compiled with -I
# for itself and its DEPS only, so including a header of a folder it may
# not use is a compile error: the build, not a grep, enforces the layers.
#
#   lib                         base utilities
#   spool                       message spool, quarantine, outq, archive
#   mail                        the message representation and its edits
#   smtp                        sessions, framing, reinjection, DSNs
#   findings                    the check/policy contract
#   dnsbl content av uds        the checks
#   policy                      groups, verdicts, actions, notifications
#   stats                       counters, the live file, the statistics
#                               store, status, alerts, metrics
#   fleet                       [fleet], the keys a fleet keeps in Redis,
#                               winnowctl's Redis client
#   server pipe-client ctl      the programs (winnowd, winnow-pipe,
#   udsd                        winnowctl, winnow-udsd)

LIBFOLDERS	 = lib spool mail smtp findings policy stats fleet dnsbl uds \
		   content av
PROGFOLDERS	 = server pipe-client ctl udsd
FOLDERS		 = $(LIBFOLDERS) $(PROGFOLDERS)

-include $(wildcard $(FOLDERS:%=%/module.mk))

# Only folders that have sources yet take part.
HAVE		 = $(foreach f,$(FOLDERS),$(if $(wildcard $(f)/*.c),$(f)))

# A folder and what it may use (its closure is spelled out in DEPS).
layer		 = $(1) $(DEPS_$(1))
# The link order of a set of folders: dependents before dependencies.
LINKORDER	 = server pipe-client ctl udsd content av dnsbl uds fleet stats \
		   policy findings mail smtp spool lib
linkset		 = $(foreach f,$(LINKORDER),$(if $(filter $(f),$(1)),$(f)))

pkgs_of		 = $(sort $(foreach f,$(call layer,$(1)),$(PKGS_$(f))))
libs_of		 = $(foreach f,$(call layer,$(1)),$(LIBS_$(f)))
cflags_of	 = $(if $(call pkgs_of,$(1)),$(shell pkg-config --cflags \
		    $(call pkgs_of,$(1)) 2>/dev/null))
ldlibs_of	 = $(if $(call pkgs_of,$(1)),$(shell pkg-config --libs \
		    $(call pkgs_of,$(1)) 2>/dev/null)) $(call libs_of,$(1))
incs_of		 = $(foreach f,$(call layer,$(1)),-I$(f))
