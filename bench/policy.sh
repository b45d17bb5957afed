#!/bin/sh
# policy.sh - what the policy costs per message: winnowd with the built-in
# policy against winnowd with a heavy one, both relaying to smtp-sink
#
#   bench/policy.sh [-q]        (-q: fewer runs and messages)
#
# The heavy policy: 4 groups tried in order (wildcards, regular
# expressions, a client-address group), a 100 000-address white list read
# from a file, and every message tagged and headed for its group (so each
# message with recipients in two groups goes downstream as two
# transactions); and the same heavy policy with split_by_result = no (one
# transaction), which separates the cost of deciding from the cost of the
# extra downstream transaction.  smtp-source sends 2 recipients per message
# from a black-listed sender, in 8 sessions; hyperfine times each (median
# of the runs) and the script prints messages/s, the ratios to plain, and
# the time to load the heavy configuration (winnowd -t).
#
# Needs: smtp-source and smtp-sink (Debian postfix), hyperfine, python3.
# Ports 23025-23028 on 127.0.0.1.
set -eu
cd "$(dirname "$0")/.."
RUNS=5; M=4000
[ "${1:-}" = "-q" ] && { RUNS=3; M=1500; }
OUT=build/bench-policy; mkdir -p $OUT
make -s all >/dev/null
SINK=23027; PLAIN=23025; HEAVY=23026; ONE=23028

python3 - $OUT/white.txt <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        f.write("friend%d@partner%d.example.net\n" % (i, i % 97))
PY
server() {	# server PORT
	cat <<CONF
[server]
listen = tcp:127.0.0.1:$1
forward = tcp:127.0.0.1:$SINK
spool_dir = $PWD/$OUT/spool
start_children = 10
max_children = 20
min_spare = 2
max_spare = 12
user = ${WINNOW_USER:-winnow}
CONF
}
server $PLAIN > $OUT/plain.conf
server $HEAVY > $OUT/heavy.conf
cat >> $OUT/heavy.conf <<CONF

[policy]
whitelist = file:$PWD/$OUT/white.txt
blacklist = re:^spam-.*@ @bad.example.org
blacklisted.subject_tag = [BL]
blacklisted.header = X-Spam-Flag: YES

[group vip]
recipients = re:^(ceo|cfo|cto)@example\.com$
blacklisted.action = quarantine

[group support]
recipients = @support.example.com, re:^[0-9]+a@sales\.example\.com$
blacklisted.header = X-Support: blacklisted

[group sales]
recipients = *@sales.*.example.com, *@sales.example.com
blacklisted.subject_tag = [SALES-BL]

[group office]
recipients = *
senders = ip:10.0.0.0/8
spam_checks = no
CONF
sed -e "s/:$HEAVY\$/:$ONE/" -e 's/^\[policy\]$/[policy]\nsplit_by_result = no/' \
    $OUT/heavy.conf > $OUT/one.conf
for c in plain heavy one; do
	[ "$(id -u)" = 0 ] || sed -i '/^user =/d' $OUT/$c.conf
done

U=""; [ "$(id -u)" = 0 ] && U="-u nobody"
smtp-sink $U 127.0.0.1:$SINK 1000 >$OUT/sink.log 2>&1 &
SP=$!
build/winnowd -f -c $OUT/plain.conf 2>$OUT/plain.log &
WP=$!
build/winnowd -f -c $OUT/heavy.conf 2>$OUT/heavy.log &
WH=$!
build/winnowd -f -c $OUT/one.conf 2>$OUT/one.log &
WO=$!
trap 'kill $WP $WH $WO $SP 2>/dev/null; wait 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP PIPE
sleep 2

# 2 recipients (smtp-source -r 2 sends a@ and 2a@): 2a@ is in support, a@
# in sales - two results, two downstream transactions per message.
SRC="smtp-source -s 8 -m $M -l 4096 -f spam-x@bad.example.org -t a@sales.example.com -r 2"
hyperfine -N --runs $RUNS --warmup 1 --export-json $OUT/h.json \
    "$SRC 127.0.0.1:$PLAIN" "$SRC 127.0.0.1:$HEAVY" "$SRC 127.0.0.1:$ONE" \
    >/dev/null 2>&1
python3 - $OUT/h.json $M <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
m = int(sys.argv[2])
p, h, o = r[0]["median"], r[1]["median"], r[2]["median"]
print("# winnow policy cost: 8 sessions, %d messages of 4 KB, 2 recipients"
      % m)
print("plain policy:              %6.0f msg/s" % (m / p))
print("heavy, two transactions:   %6.0f msg/s  (time/plain %.2f)"
      % (m / h, h / p))
print("heavy, one transaction:    %6.0f msg/s  (time/plain %.2f)"
      % (m / o, o / p))
PY
hyperfine -N --runs $RUNS "build/winnowd -t -c $OUT/heavy.conf" \
    --export-json $OUT/t.json >/dev/null 2>&1
python3 -c "import json; r=json.load(open('$OUT/t.json'))['results'][0]; \
print('load heavy config (100k white list): %.0f ms median' % (r['median']*1000))"
