#!/bin/sh
# soak.sh - an hour of load through winnowd with faults, then a ledger
#
#   bench/soak.sh                      one hour (the matrix's row L2)
#   SOAK_SECONDS=600 bench/soak.sh     ten minutes
#
# Not part of "make check".  bench/soak.py does the work (its header says
# what it sends and breaks); this script builds, makes sure it runs in a
# network namespace of its own (t/netns: loopback only) and says where the
# report is.  Knobs (environment):
#
#   SOAK_SECONDS   how long the load runs (default 3600); the drain and
#                  the report come after it
#   SOAK_CLIENTS   upstream sessions at once (default 8)
#   SOAK_SEED      the random seed (default 11)
#   SOAK_OUT       where the report goes (default build/soak)
#   SOAK_PORT      winnowd's port, the sink's is the next one (26025)
#   SOAK_SKIP      bombs to leave out, by name, separated by commas (e.g.
#                  empty-parts-520000 for a control run; see BOMBS there)
#
#   SOAK_SECONDS=600 bench/soak.py --table build/soak/samples.csv
#                  the memory table of a past run again (SOAK_SECONDS: the
#                  length of that run's load)
#
# Needs root (winnowd's children switch users), python3 with the suite's
# helpers (t/lib/wntest), build/winnowd and libclamav's test signatures
# (t/data/av/sigs).  Writes build/soak/report.txt (the ledger's verdict,
# the faults injected, memory, descriptors and children per tenth of the
# load and in the drain), samples.csv (every 10 s), soak.log, and the
# run's files in run/.
# Exit status 0 when the ledger is clean: nothing lost, every duplicate a
# post-dot one, nothing partial or unknown downstream.
set -eu
cd "$(dirname "$0")/.."
if [ "${WINNOW_NETNS:-}" != 1 ]; then
	make -s all >/dev/null
	exec t/netns "$0" "$@"
fi
mkdir -p "${SOAK_OUT:-build/soak}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
rc=0
"$PY" bench/soak.py || rc=$?
echo "soak: report in ${SOAK_OUT:-build/soak}/report.txt (exit $rc)"
exit $rc
