#!/bin/sh
# fleet.sh - what the fleet costs: winnowd with [fleet] off and on, in one run
#
#   bench/fleet.sh [-q]      (-q: fewer runs and messages, for a quick look)
#
# Two winnowd on loopback forwarding to one smtp-sink: "off" (no [fleet])
# and "on" ([fleet] redis = a redis-server started here, publish_interval
# 1s, heartbeat 1s), the same configuration otherwise, the content checks
# on.  smtp-source sends through each, the two alternating in RUNS rounds
# (medians, and the median of each round's ratio: the machine is shared,
# so a load spike hits both sides); then smtp-lat sends one message at a
# time through each, 5 rounds alternating (medians of the rounds' median
# and p99).  Redis's own counters (INFO commandstats, before and after)
# and the fleet process's (in its heartbeat: rounds, the pipelined
# batches, and commands) give the Redis commands and round trips per
# message; CLIENT LIST shows who is connected (the fleet process only:
# children never talk to Redis).
#
# Needs: smtp-source and smtp-sink (Debian postfix), redis-server,
# redis-cli, redis-benchmark, python3, cc.  Ports 22035-22038 on
# 127.0.0.1.
set -eu
cd "$(dirname "$0")/.."
QUICK=0
[ "${1:-}" = "-q" ] && QUICK=1
RUNS=7; M=5000; NLAT=1000; S=8
[ $QUICK = 1 ] && { RUNS=3; M=2000; NLAT=200; }
OUT=build/bench/fleet; rm -rf $OUT; mkdir -p $OUT
make -s all >/dev/null
cc -O2 -o $OUT/smtp-lat bench/smtp-lat.c

SINK=22036; OFF=22035; ON=22037; REDIS=22038
conf() {	# conf NAME PORT [fleet lines]
	mkdir -p $OUT/$1
	cat > $OUT/$1/winnow.conf <<CONF
[server]
listen = tcp:127.0.0.1:$2
forward = tcp:127.0.0.1:$SINK
spool_dir = $PWD/$OUT/$1/spool
pidfile = $PWD/$OUT/$1/winnowd.pid
max_children = 20
start_children = 10
user = ${WINNOW_USER:-winnow}
[dns]
resolver = 127.0.0.1:9
timeout = 200ms
[content]
model = $PWD/$OUT/$1/learned.model
default_model = $PWD/data/content.model
obscene_words = $PWD/data/obscene-en.txt $PWD/data/obscene-ru.txt
[av]
database =
[policy]
quarantine_dir = $PWD/$OUT/$1/quarantine
dns_checks = no
[control]
listen =
secret_file = $PWD/$OUT/$1/control.secret
[stats]
flush_interval = 1s
CONF
	[ "$(id -u)" = 0 ] || sed -i '/^user =/d' $OUT/$1/winnow.conf
	[ "$(id -u)" = 0 ] && [ -z "${WINNOW_USER:-}" ] &&
	    sed -i 's/^user = winnow$/user = nobody/' $OUT/$1/winnow.conf
	shift 2
	[ $# -gt 0 ] && printf '[fleet]\n%s\n' "$@" >> $OUT/$1/winnow.conf
	return 0
}
conf off $OFF
conf on $ON
printf '[fleet]\nredis = redis://127.0.0.1:%s\nnode = bench\n%s\n%s\n' $REDIS \
    "publish_interval = 1s" "heartbeat = 1s" >> $OUT/on/winnow.conf
[ "$(id -u)" = 0 ] && chmod 777 $OUT/off $OUT/on

U=""; [ "$(id -u)" = 0 ] && U="-u nobody"
smtp-sink $U 127.0.0.1:$SINK 1000 >$OUT/sink.log 2>&1 &
SP=$!
redis-server --port $REDIS --bind 127.0.0.1 --save "" --appendonly no \
    --dir $PWD/$OUT >$OUT/redis.log 2>&1 &
RP=$!
build/winnowd -f -c $OUT/off/winnow.conf 2>$OUT/off.log &
W1=$!
build/winnowd -f -c $OUT/on/winnow.conf 2>$OUT/on.log &
W2=$!
trap 'kill $W1 $W2 $SP $RP 2>/dev/null; wait 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP PIPE
sleep 2
RC="redis-cli -p $REDIS"
calls() {	# every command Redis ran but INFO/CONFIG/CLIENT (ours here)
	$RC INFO commandstats | tr -d '\r' | grep -v -e cmdstat_info \
	    -e cmdstat_config -e cmdstat_client | sed -n \
	    's/^cmdstat_[^:]*:calls=\([0-9]*\),.*/\1/p' | awk '{s+=$1} END{print s+0}'
}
beat() {	# rounds and commands of the fleet process's heartbeat
	$RC GET winnow:fleet:node:bench | tr ' ' '\n' | sed -n "s/^$1=//p"
}
filtered() { grep -c "filtered as" $OUT/$1.log || true; }
C0=$(calls); R0=$(beat rounds); K0=$(beat commands); N0=$(filtered on)

echo "# winnow fleet benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
echo "# smtp-source -s $S -m $M -l 4096: $RUNS rounds, off then on in each"
: > $OUT/tput
for i in $(seq $RUNS); do
	for side in off on; do
		port=$OFF; [ $side = on ] && port=$ON
		t0=$(date +%s%N)
		smtp-source -s $S -m $M -l 4096 127.0.0.1:$port
		echo "$side $(( $(date +%s%N) - t0 ))" >> $OUT/tput
	done
done
python3 - $OUT/tput $M <<'PY'
import statistics, sys
t = {"off": [], "on": []}
for line in open(sys.argv[1]):
    k, ns = line.split()
    t[k].append(int(ns) / 1e9)
m = int(sys.argv[2])
off, on = statistics.median(t["off"]), statistics.median(t["on"])
pairs = [a / b for a, b in zip(t["off"], t["on"])]
print("throughput: fleet off %.0f msg/s, fleet on %.0f msg/s (medians of "
      "%d rounds), on/off %.3f; per-round on/off: median %.3f, range "
      "%.3f..%.3f" % (m / off, m / on, len(t["off"]), off / on,
                      statistics.median(pairs), min(pairs), max(pairs)))
PY

echo "# smtp-lat -n $NLAT -l 4096, one message at a time; 5 rounds, off and"
echo "# on alternating (the machine is shared: a round each side of a spike)"
: > $OUT/lat
for i in 1 2 3 4 5; do
	echo "off $($OUT/smtp-lat -n $NLAT -l 4096 127.0.0.1 $OFF)" >> $OUT/lat
	echo "on $($OUT/smtp-lat -n $NLAT -l 4096 127.0.0.1 $ON)" >> $OUT/lat
done
python3 - $OUT/lat <<'PY'
import statistics, sys
r = {"off": [], "on": []}
for line in open(sys.argv[1]):
    w = line.split()
    d = dict(zip(w[1::2], w[2::2]))
    r[w[0]].append((int(d["median_us"]), int(d["p99_us"])))
for k in ("off", "on"):
    print("fleet %-3s: median of round medians %d us, of round p99s %d us "
          "(rounds: %s)" % (k, statistics.median(x[0] for x in r[k]),
                            statistics.median(x[1] for x in r[k]),
                            " ".join(str(x[0]) for x in r[k])))
m = [statistics.median(x[0] for x in r[k]) for k in ("off", "on")]
p = [statistics.median(x[1] for x in r[k]) for k in ("off", "on")]
print("latency on/off: median %.3f, p99 %.3f (added: median %+d us)" % (
    m[1] / m[0], p[1] / p[0], m[1] - m[0]))
PY
sleep 3		# the last flush (1s) and publication (1s), a heartbeat
C1=$(calls); R1=$(beat rounds); K1=$(beat commands); N1=$(filtered on)
python3 - $((N1 - N0)) $((C1 - C0)) $((R1 - R0)) $((K1 - K0)) <<'PY'
import sys
n, calls, rounds, cmds = map(int, sys.argv[1:])
print("redis: %d messages through the fleet node; %d commands run by Redis "
      "(%.3f per message), %d batches from the fleet process (%.5f round "
      "trips per message), %d commands in them" % (
          n, calls, calls / max(n, 1), rounds, rounds / max(n, 1), cmds))
PY
echo "redis clients: $($RC CLIENT LIST | grep -vc 'cmd=client')" \
    "(the fleet process; the children have no connection)"
echo "fleet total: $(build/winnowctl -c $OUT/on/winnow.conf stats --fleet \
    --period hour --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["fleet"]["total"])')," \
    "node's own: $(build/winnowctl -c $OUT/on/winnow.conf stats --period hour \
    --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')"
# What one Redis takes: the fleet's commands are an XADD per verdict (the
# statistics are one HSET per batch), pipelined; about 1.3 kB an entry.
TEXT=$(python3 -c "print('x' * 400)"); JS=$(python3 -c "print('y' * 900)")
XR=$(redis-benchmark -p $REDIS -n 200000 -P 100 -c 2 --csv XADD bench:cap \
    MAXLEN '~' 10000 '*' node n1 seq 1 text "$TEXT" json "$JS" 2>/dev/null |
    tail -1 | cut -d, -f2 | tr -d '"')
echo "redis capacity: $XR XADD/s (redis-benchmark -P 100 -c 2, 1.3 kB" \
    "entries, MAXLEN ~ 10000), one redis-server on this machine"
