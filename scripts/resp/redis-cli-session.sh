#!/usr/bin/env bash
# A scripted redis-cli session against the RESP endpoint on port $1: everyday commands,
# RESP3, and a 100 MiB value written with -x and read back byte for byte.
set -euo pipefail
port=$1
cli() { timeout 120 redis-cli -p "$port" "$@"; }
expect() {
  local want=$1; shift
  local got
  got=$(cli "$@")
  [ "$got" = "$want" ] || { echo "redis-cli $*: expected '$want', got '$got'" >&2; exit 1; }
}

expect PONG PING
expect OK SET "key with spaces" "value with spaces"
expect "value with spaces" GET "key with spaces"
expect OK SET counter 41 EX 1000
expect 1000 TTL counter
expect 1 DEL counter
expect "" GET counter
expect "ERR unknown command 'NOPE', with args beginning with: 'x' " NOPE x
expect OK FLUSHALL
expect 0 DBSIZE
# RESP3: HELLO 3 answers with a map; nil is printed the same way.
cli -3 HELLO 3 | grep -q '^proto 3$' || { echo "HELLO 3 did not answer with a map" >&2; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
head -c $((100 << 20)) /dev/urandom > "$dir/value"
expect OK -x SET big < "$dir/value"
expect $((100 << 20)) STRLEN big
# redis-cli ends a raw reply with a newline of its own.
cli --raw GET big > "$dir/read"
head -c $((100 << 20)) "$dir/read" | cmp -s - "$dir/value" || { echo "the 100 MiB value did not round-trip" >&2; exit 1; }
[ "$(stat -c %s "$dir/read")" = $(((100 << 20) + 1)) ] || { echo "GET big returned $(stat -c %s "$dir/read") bytes" >&2; exit 1; }
cli --raw GETRANGE big 52428800 52429823 > "$dir/range"
head -c 1024 "$dir/range" | cmp -s - <(tail -c +52428801 "$dir/value" | head -c 1024) || { echo "GETRANGE of the 100 MiB value differs" >&2; exit 1; }
expect 1 DEL big
echo "redis-cli session: passed (100 MiB round-tripped byte for byte)" >&2
