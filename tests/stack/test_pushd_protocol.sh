#!/usr/bin/env bash
# RFC 6455 on what clients send: a frame without the client's mask is
# closed with 1002 (protocol error, section 5.1), a text frame that is not
# UTF-8 with 1007 (section 8.1); a proper text frame changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pushd_lib.sh"
stack_up

_closed_with() { grep -q "^wsclient: closed code=$2 " "$T_DIR/$1.err" 2>/dev/null; }
_sent() { grep -q "^wsclient: sent" "$T_DIR/$1.err" 2>/dev/null; }

ws_start good /ws/user --send text --timeout 60
ws_start unmasked /ws/user --send unmasked --timeout 60
ws_start badutf8 /ws/user --send bad-utf8 --timeout 60
ws_wait_open good && ws_wait_open unmasked && ws_wait_open badutf8
check "the frames were sent" _poll 5 _sent unmasked
_poll 5 _sent badutf8; _poll 5 _sent good
check "an unmasked client frame is closed with 1002" _poll 5 _closed_with unmasked 1002
check "a text frame that is not UTF-8 is closed with 1007" _poll 5 _closed_with badutf8 1007
X=$(ev_add memes_populated '{"session_id":1,"added":0,"memes":[]}')
_last_is() { [ "$(ws_events "$1" | tail -1)" = "$2" ]; }
check "a client that sent a proper frame still gets events" _poll 10 _last_is good "$X"
check "and is still open" kill -0 "${WS_PID[good]}"
ws_stop good; ws_stop unmasked; ws_stop badutf8
t_done
