#!/bin/sh
# relay.sh - winnowd as a pass-through relay against smtp-source -> smtp-sink
#
#   bench/relay.sh [-q]      (-q: fewer runs and messages, for a quick look)
#   BENCH_CHECKS=yes bench/relay.sh   the same with the content checks on
#                            (DNS to a dead loopback port, no AV database)
#
# In one run, on loopback only: smtp-source sends straight to smtp-sink
# ("direct") and through winnowd ("through"), for 2, 8 and 20 sessions and
# 4 KB and 50 KB messages, each timed by hyperfine (median of the runs);
# then per-message latency (bench/smtp-lat, one message at a time) direct
# and through; then RSS and PSS of winnowd's children.  Prints messages/s,
# the through/direct ratio, the added latency, and memory.
#
# Needs: smtp-source and smtp-sink (Debian postfix), hyperfine, python3, cc.
# Ports 22025 (winnowd) and 22026 (sink) on 127.0.0.1.
set -eu
cd "$(dirname "$0")/.."
QUICK=0
[ "${1:-}" = "-q" ] && QUICK=1
RUNS=5; M4=10000; M50=3000; NLAT=3000
[ $QUICK = 1 ] && { RUNS=3; M4=3000; M50=1000; NLAT=1000; }
OUT=build/bench; mkdir -p $OUT
make -s all >/dev/null
cc -O2 -o $OUT/smtp-lat bench/smtp-lat.c

SINK_PORT=22026; FILTER_PORT=22025
cat > $OUT/relay.conf <<CONF
[server]
listen = tcp:127.0.0.1:$FILTER_PORT
forward = tcp:127.0.0.1:$SINK_PORT
spool_dir = $PWD/$OUT/spool
max_children = 40
start_children = 20
min_spare = 4
max_spare = 25
user = ${WINNOW_USER:-winnow}
[dns]
resolver = 127.0.0.1:9
timeout = 200ms
[content]
default_model = $PWD/data/content.model
obscene_words = $PWD/data/obscene-en.txt $PWD/data/obscene-ru.txt
[av]
database =
[policy]
quarantine_dir = $PWD/$OUT/quarantine
spam_checks = ${BENCH_CHECKS:-no}
dns_checks = ${BENCH_CHECKS:-no}
av_checks = ${BENCH_CHECKS:-no}
CONF
[ "$(id -u)" = 0 ] || sed -i '/^user =/d' $OUT/relay.conf

U=""; [ "$(id -u)" = 0 ] && U="-u nobody"
smtp-sink $U 127.0.0.1:$SINK_PORT 1000 >$OUT/sink.log 2>&1 &
SINK=$!
build/winnowd -f -c $OUT/relay.conf 2>$OUT/winnowd.log &
WD=$!
# Stop both however the script ends (a reader that went away: PIPE).
trap 'kill $WD $SINK 2>/dev/null; wait 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP PIPE
sleep 1

echo "# winnow relay benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores," \
    "checks=${BENCH_CHECKS:-no}"
printf "%-6s %-8s %12s %12s %8s\n" size sessions direct/s through/s ratio
for SIZE in 4096 51200; do
	M=$M4; [ $SIZE = 51200 ] && M=$M50
	for S in 2 8 20; do
		hyperfine -N --runs $RUNS --warmup 1 --export-json $OUT/h.json \
		    "smtp-source -s $S -m $M -l $SIZE 127.0.0.1:$SINK_PORT" \
		    "smtp-source -s $S -m $M -l $SIZE 127.0.0.1:$FILTER_PORT" \
		    >/dev/null 2>&1
		python3 - "$OUT/h.json" $M $SIZE $S <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
m = int(sys.argv[2])
d, t = r[0]["median"], r[1]["median"]
print("%-6s %-8s %12.0f %12.0f %7.0f%%" % (
    "4KB" if sys.argv[3] == "4096" else "50KB", sys.argv[4], m / d, m / t,
    100 * d / t))
PY
	done
done

echo
echo "# latency, one message at a time over one connection (4 KB)"
D=$($OUT/smtp-lat -n $NLAT -l 4096 127.0.0.1 $SINK_PORT)
T=$($OUT/smtp-lat -n $NLAT -l 4096 127.0.0.1 $FILTER_PORT)
echo "direct:  $D"
echo "through: $T"
python3 - "$D" "$T" <<'PY'
import sys
d = dict(zip(*[iter(sys.argv[1].split())] * 2))
t = dict(zip(*[iter(sys.argv[2].split())] * 2))
print("added:   median %+d us, p99 %+d us" % (
    int(t["median_us"]) - int(d["median_us"]),
    int(t["p99_us"]) - int(d["p99_us"])))
PY

echo
echo "# memory of winnowd's children (kB)"
for p in $(pgrep -P $WD); do
	awk -v pid=$p '/^Rss:/{r=$2} /^Pss:/{s=$2} END{print pid, "rss", r, "pss", s}' \
	    /proc/$p/smaps_rollup 2>/dev/null
done | sort -n -k3 | awk '{n++; r+=$3; s+=$5} END{if (n) printf "children %d, mean rss %d kB, mean pss %d kB\n", n, r/n, s/n}'
awk '/^Rss:/{r=$2} /^Pss:/{s=$2} END{print "master rss", r, "kB, pss", s, "kB"}' /proc/$WD/smaps_rollup
grep -c "filtered as" $OUT/winnowd.log | sed 's/^/messages filtered: /'
grep -E "warning|error|fatal" $OUT/winnowd.log | head -5 || true
