#!/bin/sh
# fleet_learn.sh - what shared learning costs: winnowctl learn with [fleet]
# off and on, and how long the fleet takes to apply and install it
#
#   bench/fleet_learn.sh [-q]      (-q: 200 messages, 3 rounds)
#
# One redis-server and one winnowd node ("on", [fleet] learn_interval 1s,
# learn_batch 1000) started here; N messages of the shared corpus (half
# spam, half ham) are learned with winnowctl learn, RUNS rounds, fleet off
# (a configuration without [fleet], its own model) and on alternating: the
# median wall times give what appending each example to Redis adds.  After
# each "on" round: the time from winnowctl's return to the version that
# applied the examples being published (the lease holder's log gives the
# applying time) and to the node having installed it, and the Redis
# memory per stream entry before the holder trims them.
#
# Needs: redis-server, redis-cli, python3, the corpus
# (/work/shared/corpus or WINNOW_CORPUS).  Port 22048 on 127.0.0.1.
set -eu
cd "$(dirname "$0")/.."
N=1000; RUNS=5
[ "${1:-}" = "-q" ] && { N=200; RUNS=3; }
CORPUS=${WINNOW_CORPUS:-/work/shared/corpus}
OUT=build/bench/fleet_learn; rm -rf $OUT; mkdir -p $OUT/msgs
make -s all >/dev/null
REDIS=22048; PORT=22049
for k in spam ham; do
	mkdir -p $OUT/msgs/$k
	tar -xzf $CORPUS/$k.tar.gz -C $OUT/msgs/$k
	find $OUT/msgs/$k -type f | sort | tail -n +$((N / 2 + 1)) |
	    xargs rm -f
done
conf() {	# conf NAME
	mkdir -p $OUT/$1
	cat > $OUT/$1/winnow.conf <<CONF
[server]
listen = tcp:127.0.0.1:$PORT
forward = tcp:127.0.0.1:9
spool_dir = $PWD/$OUT/$1/spool
pidfile = $PWD/$OUT/$1/winnowd.pid
user = nobody
[dns]
resolver = 127.0.0.1:9
[content]
model = $PWD/$OUT/$1/lib/learned.model
default_model = $PWD/data/content.model
obscene_words = $PWD/data/obscene-en.txt $PWD/data/obscene-ru.txt
[av]
database =
[control]
listen =
secret_file = $PWD/$OUT/$1/control.secret
CONF
	[ "$(id -u)" = 0 ] || sed -i '/^user =/d' $OUT/$1/winnow.conf
	mkdir -p $OUT/$1/lib $OUT/$1/spool
	[ "$(id -u)" = 0 ] && chown nobody $OUT/$1/lib $OUT/$1/spool
	return 0
}
conf off
conf on
printf '[fleet]\nredis = redis://127.0.0.1:%s\nnode = bench\n%s\n%s\n' \
    $REDIS "learn_interval = 1s" "learn_batch = 1000" >> $OUT/on/winnow.conf
echo "model_versions = 1000" >> $OUT/on/winnow.conf
[ "$(id -u)" = 0 ] && chmod 755 $OUT/on
redis-server --port $REDIS --bind 127.0.0.1 --save "" --appendonly no \
    --dir $PWD/$OUT >$OUT/redis.log 2>&1 &
RP=$!
sleep 1
build/winnowd -f -c $OUT/on/winnow.conf 2>$OUT/on.log &
WP=$!
trap 'kill $WP $RP 2>/dev/null; wait 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP PIPE
sleep 2
RC="redis-cli -p $REDIS"
now() { date +%s%N; }
head_examples() {
	build/winnowctl -c $OUT/on/winnow.conf model list --json | python3 -c \
	    'import json,sys; print(sum(v["examples"] for v in json.load(sys.stdin) if not v["rollback"]))'
}

echo "# winnow shared-learning benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
echo "# winnowctl learn of $N corpus messages ($((N / 2)) spam, $((N / 2)) ham), $RUNS rounds, off then on"
: > $OUT/t
done_n=0
for i in $(seq $RUNS); do
	for side in off on; do
		t0=$(now)
		build/winnowctl -c $OUT/$side/winnow.conf learn -q --no-uds \
		    --no-keep --spam $OUT/msgs/spam >/dev/null
		build/winnowctl -c $OUT/$side/winnow.conf learn -q --no-uds \
		    --no-keep --ham $OUT/msgs/ham >/dev/null
		t1=$(now)
		echo "$side $(( t1 - t0 ))" >> $OUT/t
		[ $side = on ] || continue
		mem=$($RC MEMORY USAGE winnow:fleet:learn SAMPLES 0 | tr -d '\r')
		len=$($RC XLEN winnow:fleet:learn | tr -d '\r')
		done_n=$((done_n + N))
		while [ "$(head_examples)" -lt $done_n ]; do sleep 0.05; done
		t2=$(now)
		v=$($RC GET winnow:fleet:model:head | tr -d '\r')
		while ! grep -q "installed model version $v " $OUT/on.log; do
			sleep 0.05
		done
		t3=$(now)
		echo "pub $(( t2 - t1 )) inst $(( t3 - t1 )) mem ${mem:-0} len $len" >> $OUT/t
	done
done
grep "published model version" $OUT/on.log | sed 's/.*published/published/' > $OUT/pub
python3 - $OUT/t $OUT/pub $N <<'PY'
import re, statistics, sys
t = {"off": [], "on": []}
pub, inst, per = [], [], []
for line in open(sys.argv[1]):
    w = line.split()
    if w[0] in t:
        t[w[0]].append(int(w[1]) / 1e9)
    else:
        pub.append(int(w[1]) / 1e9)
        inst.append(int(w[3]) / 1e9)
        if int(w[7]):
            per.append(int(w[5]) / int(w[7]))
n = int(sys.argv[3])
off, on = statistics.median(t["off"]), statistics.median(t["on"])
print("winnowctl learn: fleet off %.2f s, on %.2f s for %d messages "
      "(medians of %d rounds), on/off %.3f: %.2f ms per message for the "
      "XADD" % (off, on, n, len(t["off"]), on / off, (on - off) / n * 1e3))
apply = [(int(m.group(1)), int(m.group(2))) for m in
         (re.search(r"\((\d+) examples .*, (\d+) ms\)", l)
          for l in open(sys.argv[2])) if m]
print("after winnowctl returned: version published in %.2f s, installed "
      "on the node in %.2f s (medians; learn_interval 1s)" % (
          statistics.median(pub), statistics.median(inst)))
print("applying: %d versions of %d examples (median), %d ms each "
      "(median), %.2f ms per example" % (
          len(apply), statistics.median(a[0] for a in apply),
          statistics.median(a[1] for a in apply),
          sum(a[1] for a in apply) / sum(a[0] for a in apply)))
if per:
    print("Redis memory per stream entry before the trim: %.0f bytes "
          "(median)" % statistics.median(per))
PY
echo "model version key: $($RC STRLEN winnow:fleet:model:$($RC GET winnow:fleet:model:head | tr -d '\r') | tr -d '\r') bytes"
