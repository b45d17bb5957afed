#!/bin/sh
# pipeline.sh - the full pipeline on real mail, winnowd against its peers,
# in one run (issue 19)
#
#   bench/pipeline.sh [-q]     (-q: fewer messages and sessions, a quick look)
#
# Installs what it needs from Debian's packages when missing (rspamd,
# clamav-daemon, amavisd-new, spamassassin, unbound, postfix for smtp-sink),
# generates the signature set (bench/av-gen.py: 500,000 signatures, 5,000
# of them logical, plus the test signatures: EICAR and clam.exe), samples
# the corpus (half ham, half spam, CRLF), starts unbound with the test zones
# (t/dns), one clamd with the same signatures for the peers, and an
# smtp-sink; then bench/pipeline.py measures, rotated, medians of three:
#
#   winnowd, checks off         the relay alone
#   winnowd, AV off             every check but the AV
#   winnowd, every check on     content, two DNSBLs, SURBL, rDNS, SPF, AV
#   rspamd + clamd              scan only (HTTP /checkv2), no relay
#   amavisd-new + SA + clamd    SMTP in, SMTP out to the sink
#
# messages/s at 2, 8 and 20 sessions, messages per CPU-second (the CPU time
# of each system's own processes, from /proc, clamd counted with its
# peers), latency one at a time, winnowd's AV objects and milliseconds
# per message (its -v log), and the floor: bench/av_floor over the same
# messages (bare libclamav on each object once, libclamav's cache off),
# and the same as winnowd runs libclamav (avsscanf.c's sscanf and the
# scan process's malloc settings, av/README.md).  The last line is
#
#   winnow/rspamd messages per CPU-second: X.XX
#
# Each load is a pass over its own slice of the corpus (N messages: no
# pass repeats a message, so no cache - winnowd's verdict cache, clamd's
# own - answers what an earlier pass scanned); each system starts afresh
# for its turn, clamd too, in a cpuacct cgroup of its own (clamd in its
# peer's), gets a pass of a slice of its own unmeasured to warm up, and
# is measured once its processes have been quiet for 5 s.  Environment:
# N (messages per pass, default 600: the corpus's 1,525 spam make
# (sessions + 2) slices of half spam),
# NAMAVIS (messages per pass for amavisd, default 300: it does a few a
# second), NLAT (one-at-a-time messages, default 200), RUNS (default 3),
# SESSIONS (default "2 8 20"), RSPAMD_SCAN (default: rspamd's antivirus
# defaults, attachments only; all: the whole message, clamd parsing every
# part, as winnowd scans every part), SYSTEMS (which
# of off avoff on rspamd amavis, default all; avoff-base and on-base run
# the winnowd binary BASE names, for a same-run A/B), CLIENT (the original
# client every system is told of, winnowd and amavisd by XFORWARD
# pipelined with MAIL, rspamd by its IP header: default 192.0.2.3, which
# t/dns lists nowhere and gives a PTR and SPF pass, so every check on the
# client runs; empty: 127.0.0.1, which winnowd does not look up).
# bench/tail.py shows what the one-at-a-time pass's slowest messages are
# made of.  Loopback only; ports 22120-22139 and 15390.  Takes about an
# hour with the defaults.
set -eu
cd "$(dirname "$0")/.."
QUICK=0
[ "${1:-}" = "-q" ] && QUICK=1
export N=${N:-600} NAMAVIS=${NAMAVIS:-300} NLAT=${NLAT:-200}
export RUNS=${RUNS:-3} SESSIONS=${SESSIONS:-"2 8 20"}
[ $QUICK = 1 ] && export N=300 NAMAVIS=60 NLAT=60 RUNS=1 SESSIONS="8"
OUT=$PWD/build/bench/pipeline
mkdir -p $OUT

need=""
command -v rspamd >/dev/null || need="$need rspamd"
command -v clamd >/dev/null || need="$need clamav-daemon"
command -v amavisd-new >/dev/null || command -v amavisd >/dev/null ||
    need="$need amavisd-new"
[ -d /usr/share/perl5/Mail/SpamAssassin ] || need="$need spamassassin"
command -v unbound >/dev/null || need="$need unbound"
command -v smtp-sink >/dev/null || need="$need postfix"
if [ -n "$need" ]; then
	echo "installing:$need" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $need >&2
fi

make -s all >/dev/null
make -s build/libmail.a build/liblib.a >/dev/null
cc -O2 -D_GNU_SOURCE -Ilib -Imail -Ifindings -Iav \
    $(pkg-config --cflags libclamav libmagic) -o $OUT/av_floor \
    bench/av_floor.c build/libmail.a build/liblib.a \
    $(pkg-config --libs libclamav)
# the same floor with av/avsscanf.c's sscanf, which winnowd's libclamav
# calls use (run with -m: libclamav as winnowd runs it)
cc -O2 -D_GNU_SOURCE -Ilib -Imail -Ifindings -Iav \
    $(pkg-config --cflags libclamav libmagic) -o $OUT/av_floor_fast \
    bench/av_floor.c av/avsscanf.c build/libmail.a build/liblib.a \
    $(pkg-config --libs libclamav)

# The signatures: the same 500,004 for every system.
if [ ! -f $OUT/db/bench.ldb ]; then
	python3 bench/av-gen.py db $OUT/db 1
	cp t/data/av/sigs/mailfilter-test.hdb t/data/av/sigs/mailfilter-test.ndb \
	    $OUT/db/
fi

# The corpus sample: N/2 ham, N/2 spam, CRLF.
CORPUS=${CORPUS:-../shared/corpus}
if [ ! -d $OUT/corpus ]; then
	mkdir -p $OUT/corpus
	for t in ham spam; do
		tar -xzf $CORPUS/$t.tar.gz -C $OUT/corpus
	done
fi

exec python3 bench/pipeline.py "$OUT"
