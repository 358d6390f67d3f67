#!/usr/bin/env bash
# Several pushd processes (pushd_processes = 2) on the real stack: a master
# and two children sharing pushd_socket.  A crowd of clients through nginx
# ends up on both children; every client receives every event of its
# group in order (the database's list); presence shows the sum over both;
# every admin, on either child, gets every reaction, at most 4 messages a
# second; SIGKILL of one child in the middle of a stream of ratings: its
# clients reconnect with ?since= and end with exactly the database's
# events, no gap, no duplicate, and the master restarts the child;
# SIGTERM closes every client with 1001 and stops all three processes.
# Then the same processes on pushd_port: SO_REUSEPORT spreads the direct
# connections over both children.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
export MEMETER_PUSHD_PROCESSES=2
export STACK_RATER_RATE=1000r/s STACK_RATER_BURST=1000
NU=200 NA=10
stack_up
admin_login || exit 1
COOKIE="mr_admin=$(admin_token)"
CROWD_PID=""
_crowd_stop() {
    [ -n "$CROWD_PID" ] || return 0
    kill -TERM "$CROWD_PID" 2>/dev/null; wait "$CROWD_PID" 2>/dev/null
    CROWD_PID=""
}
trap 'rc=$?; _crowd_stop; (exit $rc); stack_down' EXIT

children() { pgrep -P "$STACK_PUSHD_PID" | sort; }
_two_children() { [ "$(children | wc -l)" = 2 ]; }
_poll 10 _two_children
check "pushd_processes=2: a master with two children" _two_children
check "the master logs both children" test "$(grep -c 'process [12] started' "$STACK_DIR/logs/pushd.log")" = 2

# --- a session, and the crowd ---------------------------------------------------
python3 - "$STACK_DIR/library" <<'PY'
import struct, sys, zlib
def chunk(k, d):
    return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xffffffff)
for n in (3, 4):
    raw = b"".join(b"\0" + bytes([n, 7, 9]) * n for _ in range(3))
    open(f"{sys.argv[1]}/m{n}.png", "wb").write(b"\x89PNG\r\n\x1a\n" +
        chunk(b"IHDR", struct.pack(">IIBBBBB", n, 3, 8, 2, 0, 0, 0)) +
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
admin_api POST /api/admin/sessions '{"name":"Two processes"}'
SID=$(jq -r .id <<<"$BODY")
admin_api POST "/api/admin/sessions/$SID/populate"
M1=$(jq -r '.memes[0].id' <<<"$BODY"); M2=$(jq -r '.memes[1].id' <<<"$BODY")
admin_api POST "/api/admin/sessions/$SID/start"
check "session started" status_is 200
for r in 1 2 3; do JAR="$T_DIR/r$r.jar"; api GET /api/state; done

S0=$(db "SELECT max(seq) FROM events")
CROWD="$T_DIR/crowd"
python3 "$(dirname "$0")/ws_crowd.py" --port "$STACK_PORT" --dir "$CROWD" \
    --users "$NU" --admins "$NA" --cookie "$COOKIE" --origin "$BASE" \
    --since "$S0" --seconds 240 &
CROWD_PID=$!

cs() { jq -r "$1" "$CROWD/status.json" 2>/dev/null; }
_all_open() { [ "$(cs .open)" = $((NU + NA)) ]; }
_poll 60 _all_open
check "all $((NU + NA)) clients connected" _all_open

pclients() { metric "process_clients{process=\"$1\",group=\"$2\"}"; }
P1U=$(pclients 1 user); P2U=$(pclients 2 user)
P1A=$(pclients 1 admin); P2A=$(pclients 2 admin)
echo "spread: process 1 holds $P1U users + $P1A admins, process 2 $P2U + $P2A"
check "both children hold users ($P1U + $P2U)" test "$P1U" -gt 0 -a "$P2U" -gt 0
check "both children hold admins ($P1A + $P2A)" test "$P1A" -gt 0 -a "$P2A" -gt 0
check "the children's users add up to the crowd" test $((P1U + P2U)) = "$NU"
check "the summed clients gauge" test "$(metric 'clients{group="user"}')/$(metric 'clients{group="admin"}')" = "$NU/$NA"
check "the summed processes gauge" test "$(metric processes)" = 2

_presence_is() { [ "$(cs "[.clients[] | select(.presence != \"$1\")] | length")" = 0 ]; }
_poll 10 _presence_is "$NU/$NA"
check "every client's presence counts both children ($NU/$NA)" _presence_is "$NU/$NA"

# --- events from both children's outbox reads -----------------------------------
# _all_at: every admin holds the table's last seq, every user its group's last.
_all_at() {
    local la lu
    la=$(db "SELECT max(seq) FROM events")
    lu=$(db "SELECT max(seq) FROM events WHERE type NOT IN ('session_created','new_rating')")
    [ "$(cs "[.clients | to_entries[] | select((.key[0:1] == \"a\" and .value.last != $la) or
        (.key[0:1] == \"u\" and .value.last != $lu))] | length")" = 0 ]
}
rate() { # RATER MEME SCORE
    curl -sS -o /dev/null -w '%{http_code}\n' -b "$T_DIR/r$1.jar" -H "Origin: $BASE" \
        -H 'Content-Type: application/json' --data-binary "{\"meme_id\":$2,\"score\":$3}" \
        "$BASE/api/ratings"
}
: >"$T_DIR/codes"
for i in 1 2 3 4 5; do rate $((i % 3 + 1)) "$M1" "$i" >>"$T_DIR/codes"; done
_poll 20 _all_at
check "every client of both children got the first ratings" _all_at

# every_client_gapless: each client's events, over all its connections, are
# its group's rows of the table after S0, in order, each once (a user's
# stats_updated may be coalesced away by a later one).
every_client_gapless() {
    python3 - "$CROWD" "$STACK_DIR/memeter.db" "$S0" <<'PY'
import glob, json, os, sqlite3, sys
d, path, since = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = sqlite3.connect(path, timeout=5)
all_rows = list(db.execute("SELECT seq, type FROM events WHERE seq > ? ORDER BY seq", (since,)))
groups = {"a": all_rows, "u": [r for r in all_rows if r[1] not in ("session_created", "new_rating")]}
bad = 0
for out in sorted(glob.glob(os.path.join(d, "*.out"))):
    name = os.path.basename(out)[:-4]
    rows = groups[name[0]]
    def may_skip(i):
        return name[0] == "u" and rows[i][1] == "stats_updated" and \
            i + 1 < len(rows) and rows[i + 1][1] == "stats_updated"
    pos, err = 0, None
    for n, line in enumerate(open(out), 1):
        m = json.loads(line)
        if m.get("type") == "resync":
            err = f"line {n}: resync"
            break
        if "ts" not in m:
            continue
        while pos < len(rows) and rows[pos][0] != m["seq"] and may_skip(pos):
            pos += 1
        if pos >= len(rows) or rows[pos][0] != m["seq"]:
            err = f"line {n}: seq {m['seq']}, expected {rows[pos][0] if pos < len(rows) else None}"
            break
        pos += 1
    while err is None and pos < len(rows) and may_skip(pos):
        pos += 1
    if err is None and pos < len(rows):
        err = f"missing seq {rows[pos][0]} and after"
    if err:
        bad += 1
        if bad <= 5:
            print(f"{name}: {err}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
check "every client holds its group's events in order, no gap, no duplicate" every_client_gapless

# --- reactions reach the admins of both children --------------------------------
EMOJIS=(😂 🔥 💀 👏 😍 🤔)
react() { # RATER N
    local i
    for ((i = 0; i < $2; i++)); do
        curl -sS -o /dev/null -w '%{http_code}\n' -b "$T_DIR/r$1.jar" -H "Origin: $BASE" \
            -H 'Content-Type: application/json' \
            --data-binary "{\"emoji\":\"${EMOJIS[$((i % 6))]}\"}" "$BASE/api/reactions"
    done
}
sleep 1.1   # nothing older than a second is sent to a newcomer: a clean slate
: >"$T_DIR/rcodes"
for round in 1 2; do
    react 1 6 >>"$T_DIR/rcodes" & b1=$!
    react 2 6 >>"$T_DIR/rcodes" & b2=$!
    react 3 6 >>"$T_DIR/rcodes" & b3=$!
    wait "$b1" "$b2" "$b3"
    sleep 0.3
done
ACCEPTED=$(grep -c '^202' "$T_DIR/rcodes")
check "reactions accepted ($ACCEPTED of 36)" test "$ACCEPTED" -ge 5
# reaction_sums: one line per admin, the sum of its reactions messages' counts.
reaction_sums() {
    local a
    for a in "$CROWD"/a*.out; do
        jq -s '[.[] | select(.type=="reactions") | .data.counts | to_entries[] | .value] | add // 0' "$a"
    done
}
_every_admin_sum() { [ "$(reaction_sums | sort -u)" = "$ACCEPTED" ]; }
_poll 5 _every_admin_sum
check "every admin, on either child, got every reaction summed ($ACCEPTED; got $(reaction_sums | sort -u | tr '\n' ' '))" _every_admin_sum
# The times are the crowd's: one Python loop reading 210 sockets, which
# under load may see a message late and the next one on time, so each
# bound allows a quarter of a second of that.
check "at most 4 reactions messages a second to each admin" python3 - "$CROWD" <<'PY'
import glob, os, sys
for f in glob.glob(os.path.join(sys.argv[1], "a*.t")):
    t = [float(l.split("\t")[0]) for l in open(f) if l.rstrip().endswith("\treactions")]
    if any(t[i + 4] - t[i] < 0.75 for i in range(len(t) - 4)):
        sys.exit(f"{os.path.basename(f)}: 5 reactions messages within 0.75 s")
    if len(t) > 1 and (len(t) - 1) * 0.25 > t[-1] - t[0] + 0.25:
        sys.exit(f"{os.path.basename(f)}: {len(t)} reactions messages in {t[-1] - t[0]:.2f} s")
PY
check "users get no reactions" test -z "$(cat "$CROWD"/u*.out | jq -r 'select(.type=="reactions") | .type' | head -1)"

# --- SIGKILL one child in the middle of a stream of ratings ---------------------
K=1; [ "$(pclients 2 user)" -gt "$(pclients 1 user)" ] && K=2
HELD=$(( $(pclients "$K" user) + $(pclients "$K" admin) ))
# The master names each child's pid in its log.
VICTIM=$(grep -o "process $K started (pid [0-9]*)" "$STACK_DIR/logs/pushd.log" | tail -1 | grep -o '[0-9]*)$' | tr -d ')')
check "process $K is a child of the master" grep -qx "$VICTIM" <(children)
( for i in $(seq 1 60); do
      rate $((i % 3 + 1)) "$M1" $((i % 11)) >>"$T_DIR/codes"
      rate $(((i + 1) % 3 + 1)) "$M2" $(((i * 7) % 11)) >>"$T_DIR/codes"
      sleep 0.02
  done ) &
RATER=$!
B0=$(db "SELECT max(seq) FROM events")
_rated_some() { [ "$(db "SELECT max(seq) FROM events")" -ge $((B0 + 40)) ]; }
_poll 20 _rated_some
kill -KILL "$VICTIM"
wait "$RATER"
check "every rating was accepted" test "$(grep -vEc '^20[01]$' "$T_DIR/codes")" = 0
_restarted() { [ "$(children | wc -l)" = 2 ] && ! children | grep -qx "$VICTIM"; }
_poll 10 _restarted
check "the master restarted process $K" _restarted
check "the master logged the death" grep -q "process $K was killed by signal 9.*restarting it" "$STACK_DIR/logs/pushd.log"
check "process $K counted one restart" test "$(metric "process_restarts_total{process=\"$K\"}")" = 1
_poll 30 _all_at
check "after the kill every client holds the table's last event" _all_at
RECONNECTED=$(cs '[.clients[] | select(.conns > 1)] | length')
check "exactly process $K's $HELD clients reconnected ($RECONNECTED)" test "$RECONNECTED" = "$HELD"
check "after the kill: every client's events in order, no gap, no duplicate" every_client_gapless
_poll 10 _presence_is "$NU/$NA"
check "presence is whole again after the reconnects ($NU/$NA)" _presence_is "$NU/$NA"
_summed_all() { [ "$(metric 'clients{group="user"}')/$(metric 'clients{group="admin"}')" = "$NU/$NA" ]; }
_poll 5 _summed_all
check "the summed gauge counts every client again" _summed_all
check "the summed counters keep the dead child's connections" \
    test "$(metric connections_total)" -ge $((NU + NA + HELD))
check "memeterctl status reads the summed metrics" \
    test "$("$MEMETER_BIN/memeterctl" -j status 2>/dev/null | jq -r '.pushd.clients_user')" = "$NU"

# --- SIGTERM: every client gets 1001, all three processes stop ------------------
KIDS=$(children | tr '\n' ' ')
kill -USR1 "$CROWD_PID"
kill -TERM "$STACK_PUSHD_PID"
wait "$STACK_PUSHD_PID"
check "the master exits 0 after SIGTERM" test $? -eq 0
_closed_all() { [ "$(cs '[.clients[] | select(.closes | index(1001) | not)] | length')" = 0 ]; }
_poll 5 _closed_all
check "every client got close code 1001" _closed_all
_gone() { local p; for p in $KIDS; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
check "both children stopped" _gone
check "the sockets are removed" test ! -e "$STACK_DIR/pushd.sock" -a ! -e "$STACK_DIR/metrics.sock" -a ! -e "$STACK_DIR/notify.sock"
_crowd_stop

# --- pushd_port: SO_REUSEPORT spreads direct connections ------------------------
PORT2=$(stack_free_port)
MEMETER_PUSHD_PORT=$PORT2 "$MEMETER_BIN/memeter-pushd" >>"$STACK_DIR/logs/pushd.log" 2>&1 &
STACK_PUSHD_PID=$!
STACK_PIDS+=("$STACK_PUSHD_PID")
_listening() { [ "$(metric processes)" = 2 ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT2") 2>/dev/null; }
_poll 15 _listening
check "two children on 127.0.0.1:$PORT2" _listening
S0=$(db "SELECT max(seq) FROM events")
CROWD="$T_DIR/crowd2"
python3 "$(dirname "$0")/ws_crowd.py" --port "$PORT2" --dir "$CROWD" --users 60 --admins 2 \
    --cookie "$COOKIE" --origin "$BASE" --since "$S0" --seconds 60 &
CROWD_PID=$!
_all_open62() { [ "$(cs .open)" = 62 ]; }
_poll 30 _all_open62
check "62 direct clients connected" _all_open62
P1U=$(pclients 1 user); P2U=$(pclients 2 user)
check "SO_REUSEPORT: both children hold direct clients ($P1U + $P2U)" test "$P1U" -gt 0 -a "$P2U" -gt 0
for i in 1 2 3; do rate "$i" "$M2" "$i" >>"$T_DIR/codes"; done
_poll 20 _all_at
check "every direct client got the new ratings" _all_at
check "direct clients: their events in order, no gap, no duplicate" every_client_gapless
kill -USR1 "$CROWD_PID"
kill -TERM "$STACK_PUSHD_PID"
wait "$STACK_PUSHD_PID"
check "the master on pushd_port exits 0 after SIGTERM" test $? -eq 0
_crowd_stop
t_done
