#!/bin/sh
# pair.sh - two winnowd builds side by side: what a change costs
#
#   bench/pair.sh OLD_WINNOWD [NEW_WINNOWD] [SESSIONS] [MESSAGES] [SIZE]
#
# Starts OLD on 127.0.0.1:22225 and NEW (default build/winnowd) on
# 127.0.0.1:22226, both relaying to one smtp-sink on 22227 with the
# content checks on (as BENCH_CHECKS=yes bench/relay.sh: DNS to a dead
# loopback port, no AV database), then times smtp-source through each
# with hyperfine (RUNS runs each, default 10, after a warm-up) and prints
# both medians and their ratio.  Both run at once on the same machine, so
# a machine that drifts affects both alike.  For the cost of the
# statistics: OLD is a build of the commit before them.
#
# Needs: smtp-source and smtp-sink (Debian postfix), hyperfine, python3.
set -eu
cd "$(dirname "$0")/.."
OLD=$1
NEW=${2:-build/winnowd}
S=${3:-8}; M=${4:-3000}; L=${5:-4096}; RUNS=${RUNS:-10}
OUT=build/bench/pair; rm -rf $OUT; mkdir -p $OUT
U=""; [ "$(id -u)" = 0 ] && U="-u nobody"

conf() {	# conf NAME PORT
	mkdir -p $OUT/$1/q
	[ "$(id -u)" = 0 ] && chown nobody $OUT/$1/q
	cat > $OUT/$1.conf <<CONF
[server]
listen = tcp:127.0.0.1:$2
forward = tcp:127.0.0.1:22227
spool_dir = $PWD/$OUT/$1/spool
max_children = 40
start_children = 20
min_spare = 4
max_spare = 25
user = nobody
[dns]
resolver = 127.0.0.1:9
timeout = 200ms
[content]
default_model = $PWD/data/content.model
obscene_words = $PWD/data/obscene-en.txt $PWD/data/obscene-ru.txt
[av]
database =
[policy]
quarantine_dir = $PWD/$OUT/$1/q
spam_checks = yes
dns_checks = yes
av_checks = yes
CONF
	[ "$(id -u)" = 0 ] || sed -i '/^user =/d' $OUT/$1.conf
}
conf old 22225
conf new 22226
smtp-sink $U 127.0.0.1:22227 1000 >$OUT/sink.log 2>&1 &
SINK=$!
$OLD -f -c $OUT/old.conf 2>$OUT/old.log &
WO=$!
$NEW -f -c $OUT/new.conf 2>$OUT/new.log &
WN=$!
trap 'kill $WO $WN $SINK 2>/dev/null; wait 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP PIPE
sleep 2
hyperfine -N --runs $RUNS --warmup 1 --export-json $OUT/h.json \
    "smtp-source -s $S -m $M -l $L 127.0.0.1:22225" \
    "smtp-source -s $S -m $M -l $L 127.0.0.1:22226" >/dev/null 2>&1
python3 - "$OUT/h.json" $M <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
m = int(sys.argv[2])
o, n = r[0]["median"], r[1]["median"]
print("old %.0f msg/s, new %.0f msg/s (medians), new/old throughput "
      "%.1f%%" % (m / o, m / n, 100 * o / n))
PY
grep -c "filtered as" $OUT/old.log $OUT/new.log
