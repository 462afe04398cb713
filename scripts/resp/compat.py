#!/usr/bin/env python3
"""Runs the same commands through redis-py against the InfiniCache RESP endpoint and
against redis-server, and compares the replies: values, nils, integers, and the text of
every error. Commands whose replies cannot match (client ids, INFO, COMMAND, scan
cursors) are checked for their shape instead.

usage: compat.py ENDPOINT_PORT REDIS_PORT  (exit status 1 on any difference)
"""
import sys
import time

import redis

endpoint_port, redis_port = int(sys.argv[1]), int(sys.argv[2])
failures = []


def reply(connection, *args):
    try:
        return ("ok", connection.execute_command(*args))
    except redis.RedisError as error:
        return ("error", type(error).__name__, str(error))


# Each step: the command, and how to compare (exact, or a function of both replies).
EXACT = None


def ttl_close(ours, theirs):
    return ours[0] == theirs[0] == "ok" and abs(ours[1] - theirs[1]) <= 2


def pttl_close(ours, theirs):
    return ours[0] == theirs[0] == "ok" and abs(ours[1] - theirs[1]) <= 2000


def same_kind(ours, theirs):
    return ours[0] == theirs[0]


def sorted_keys(ours, theirs):
    return ours[0] == theirs[0] == "ok" and sorted(ours[1]) == sorted(theirs[1])


def full_scan(ours, theirs):
    return ours == theirs


STEPS = [
    (("PING",), EXACT),
    (("PING", "hello"), EXACT),
    (("PING", "a", "b"), EXACT),
    (("ECHO", "x\r\ny"), EXACT),
    (("ECHO",), EXACT),
    (("SELECT", "0"), EXACT),
    (("SELECT", "16"), EXACT),
    (("SELECT", "x"), EXACT),
    (("FLUSHALL",), EXACT),
    (("DBSIZE",), EXACT),
    (("GET", "missing"), EXACT),
    (("GET",), EXACT),
    (("GET", "a", "b"), EXACT),
    (("SET", "k1", "v1"), EXACT),
    (("GET", "k1"), EXACT),
    (("SET", "k1", "v2", "NX"), EXACT),
    (("SET", "k1", "v2", "XX"), EXACT),
    (("GET", "k1"), EXACT),
    (("SET", "k2", "v", "XX"), EXACT),
    (("SET", "k2", "v", "NX", "XX"), EXACT),
    (("SET", "k2", "v", "EX"), EXACT),
    (("SET", "k2", "v", "EX", "x"), EXACT),
    (("SET", "k2", "v", "EX", "0"), EXACT),
    (("SET", "k2", "v", "PX", "-5"), EXACT),
    (("SET", "k2", "v", "EX", "10", "PX", "100"), EXACT),
    (("SET", "k2", "v", "KEEPTTL", "EX", "10"), EXACT),
    (("SET", "k2", "v", "BOGUS"), EXACT),
    (("SET", "k1", "v3", "GET"), EXACT),
    (("SET", "k3", "v", "NX", "GET"), EXACT),
    (("SET", "k3", "w", "NX", "GET"), EXACT),
    (("SET", "t1", "v", "EX", "100"), EXACT),
    (("TTL", "t1"), ttl_close),
    (("PTTL", "t1"), pttl_close),
    (("SET", "t1", "w", "KEEPTTL"), EXACT),
    (("TTL", "t1"), ttl_close),
    (("SET", "t1", "x"), EXACT),
    (("TTL", "t1"), EXACT),
    (("TTL", "missing"), EXACT),
    (("PTTL", "missing"), EXACT),
    (("SET", "t2", "v", "PX", "100000"), EXACT),
    (("PTTL", "t2"), pttl_close),
    (("SET", "t3", "v", "EXAT", str(int(time.time()) + 1000)), EXACT),
    (("TTL", "t3"), ttl_close),
    (("SET", "t4", "v", "PXAT", str(int(time.time() * 1000) + 1_000_000)), EXACT),
    (("TTL", "t4"), ttl_close),
    (("EXPIRE", "k1", "100"), EXACT),
    (("TTL", "k1"), ttl_close),
    (("EXPIRE", "k1", "200", "NX"), EXACT),
    (("EXPIRE", "k1", "200", "XX"), EXACT),
    (("EXPIRE", "k1", "50", "GT"), EXACT),
    (("EXPIRE", "k1", "500", "GT"), EXACT),
    (("EXPIRE", "k1", "50", "LT"), EXACT),
    (("TTL", "k1"), ttl_close),
    (("EXPIRE", "k1", "10", "XX", "GT"), EXACT),
    (("EXPIRE", "k1", "1000", "XX", "GT"), EXACT),
    (("TTL", "k1"), ttl_close),
    (("EXPIRE", "k1", "50", "NX", "XX"), EXACT),
    (("EXPIRE", "k1", "50", "GT", "LT"), EXACT),
    (("EXPIRE", "k1", "50", "FOO"), EXACT),
    (("EXPIRE", "k1", "x"), EXACT),
    (("EXPIRE", "missing", "10"), EXACT),
    (("PEXPIRE", "k1", "100000"), EXACT),
    (("PTTL", "k1"), pttl_close),
    (("EXPIREAT", "k1", str(int(time.time()) + 3000)), EXACT),
    (("TTL", "k1"), ttl_close),
    (("PEXPIREAT", "k1", str(int(time.time() * 1000) + 4_000_000)), EXACT),
    (("TTL", "k1"), ttl_close),
    (("PERSIST", "k1"), EXACT),
    (("PERSIST", "k1"), EXACT),
    (("PERSIST", "missing"), EXACT),
    (("TTL", "k1"), EXACT),
    (("SET", "gone", "v"), EXACT),
    (("EXPIRE", "gone", "-1"), EXACT),
    (("EXISTS", "gone"), EXACT),
    (("SET", "gone", "v"), EXACT),
    (("PEXPIREAT", "gone", "1"), EXACT),
    (("GET", "gone"), EXACT),
    (("GETDEL", "k3"), EXACT),
    (("GETDEL", "k3"), EXACT),
    (("SET", "e1", "v"), EXACT),
    (("GETEX", "e1", "EX", "100"), EXACT),
    (("TTL", "e1"), ttl_close),
    (("GETEX", "e1", "PERSIST"), EXACT),
    (("TTL", "e1"), EXACT),
    (("GETEX", "e1", "PX", "0"), EXACT),
    (("GETEX", "e1", "KEEPTTL"), EXACT),
    (("GETEX", "missing", "EX", "5"), EXACT),
    (("MSET", "m1", "a", "m2", "b", "m3", "c"), EXACT),
    (("MSET", "m1", "a", "m2"), EXACT),
    (("MSET", "dup", "first", "dup", "second"), EXACT),
    (("GET", "dup"), EXACT),
    (("SET", "e2", "v", "PX", "9223372036854775807"), EXACT),
    (("SET", "e2", "v", "EX", "9223372036854775"), EXACT),
    (("MGET", "m1", "missing", "m3", "m2"), EXACT),
    (("EXISTS", "m1", "m2", "missing", "m1"), EXACT),
    (("STRLEN", "m1"), EXACT),
    (("STRLEN", "missing"), EXACT),
    (("SET", "r", "Hello, World"), EXACT),
    (("GETRANGE", "r", "0", "4"), EXACT),
    (("GETRANGE", "r", "-5", "-1"), EXACT),
    (("GETRANGE", "r", "-1", "-5"), EXACT),
    (("GETRANGE", "r", "5", "2"), EXACT),
    (("GETRANGE", "r", "0", "1000"), EXACT),
    (("GETRANGE", "r", "-1000", "2"), EXACT),
    (("GETRANGE", "r", "x", "2"), EXACT),
    (("GETRANGE", "missing", "0", "2"), EXACT),
    (("GETRANGE", "r", "100", "200"), EXACT),
    (("GETRANGE", "r", "3", "3"), EXACT),
    (("GETRANGE", "r", "2", "9223372036854775807"), EXACT),
    (("GETRANGE", "r", "0", "-1"), EXACT),
    (("TYPE", "r"), EXACT),
    (("TYPE", "missing"), EXACT),
    (("DEL", "m1", "m2", "missing", "m1"), EXACT),
    (("UNLINK", "m3", "missing"), EXACT),
    (("DEL",), EXACT),
    (("KEYS", "*"), sorted_keys),
    (("KEYS", "t?"), sorted_keys),
    (("KEYS", "[kr]*"), sorted_keys),
    (("KEYS", "nothing*"), EXACT),
    (("DBSIZE",), EXACT),
    (("SCAN", "x"), EXACT),
    (("SCAN", "0", "COUNT", "0"), EXACT),
    (("SCAN", "0", "COUNT", "x"), EXACT),
    (("SCAN", "0", "MATCH"), EXACT),
    (("SCAN", "0", "BOGUS", "1"), EXACT),
    (("CLIENT", "SETNAME", "compat"), EXACT),
    (("CLIENT", "GETNAME"), EXACT),
    (("CLIENT", "SETNAME", "has space"), EXACT),
    (("CLIENT", "BOGUS"), EXACT),
    (("CLIENT", "ID"), same_kind),
    (("AUTH", "secret"), EXACT),
    (("HELLO", "4"), EXACT),
    (("HELLO", "x"), EXACT),
    (("NOSUCHCOMMAND", "a", "b"), EXACT),
    (("nosuchcommand",), EXACT),
    (("FLUSHALL", "BOGUS"), EXACT),
    (("FLUSHALL", "ASYNC"), EXACT),
    (("DBSIZE",), EXACT),
]


def compare(ours_connection, theirs_connection, label):
    for args, check in STEPS:
        ours = reply(ours_connection, *args)
        theirs = reply(theirs_connection, *args)
        ok = (ours == theirs) if check is EXACT else check(ours, theirs)
        if not ok:
            failures.append(f"{label} {' '.join(args)!r}: endpoint {ours!r}, redis {theirs!r}")


def scan_all(connection, **options):
    keys = []
    for key in connection.scan_iter(**options):
        keys.append(key)
    return sorted(keys)


def high_level(connection):
    """The redis-py API a user calls, on one server; returns what it saw."""
    seen = []
    connection.flushall()
    seen.append(connection.set("a", b"1", ex=100))
    seen.append(connection.set("b", b"2", px=100000, nx=True))
    seen.append(connection.get("a"))
    seen.append(connection.mset({"c": b"3", "d": b"4"}))
    seen.append(connection.mget(["a", "b", "c", "d", "e"]))
    seen.append(connection.getdel("d"))
    seen.append(connection.getex("c", ex=50))
    seen.append(connection.ttl("c") > 40)
    seen.append(connection.pexpire("c", 70000))
    seen.append(connection.persist("c"))
    seen.append(connection.strlen("a"))
    seen.append(connection.getrange("a", 0, -1))
    seen.append(connection.exists("a", "b", "zz"))
    seen.append(connection.type("a"))
    for index in range(50):
        connection.set(f"scan:{index}", b"x")
    seen.append(scan_all(connection, match="scan:1*", count=7))
    seen.append(sorted(connection.keys("scan:4*")))
    seen.append(connection.dbsize())
    seen.append(connection.delete("a", "b"))
    seen.append(connection.unlink("c"))
    seen.append(connection.echo(b"\x00\xff binary"))
    seen.append(connection.ping())
    binary = bytes(range(256)) * 1000
    connection.set(b"\x00key\xff", binary)
    seen.append(connection.get(b"\x00key\xff") == binary)
    seen.append(connection.getrange(b"\x00key\xff", 1000, 1999) == binary[1000:2000])
    seen.append(connection.flushall())
    seen.append(connection.dbsize())
    return seen


for protocol in (2, 3):
    ours = redis.Redis(port=endpoint_port, protocol=protocol)
    theirs = redis.Redis(port=redis_port, protocol=protocol)
    compare(ours, theirs, f"RESP{protocol}")
    ours_seen, theirs_seen = high_level(ours), high_level(theirs)
    for index, (a, b) in enumerate(zip(ours_seen, theirs_seen)):
        if a != b:
            failures.append(f"RESP{protocol} high-level step {index}: endpoint {a!r}, redis {b!r}")
    info = ours.info()
    for field in ("redis_version", "connected_clients", "used_memory", "keyspace_hits", "expired_keys", "invocations"):
        if field not in info:
            failures.append(f"RESP{protocol} INFO lacks {field}")
    if not ours.command_count() > 30:
        failures.append(f"RESP{protocol} COMMAND COUNT {ours.command_count()}")

# Pipelined commands are answered in order.
pipe = redis.Redis(port=endpoint_port).pipeline(transaction=False)
for index in range(200):
    pipe.set(f"p{index}", str(index))
    pipe.get(f"p{index}")
results = pipe.execute()
if results != [item for index in range(200) for item in (True, str(index).encode())]:
    failures.append("pipelined replies out of order")

# Expiry takes effect by the proxy's clock.
fast = redis.Redis(port=endpoint_port)
fast.set("short", "v", px=200)
time.sleep(0.5)
if fast.get("short") is not None or fast.exists("short") != 0:
    failures.append("an expired key is still readable")

for failure in failures:
    print("DIFF", failure)
print(f"resp compat: {len(STEPS) * 2} commands compared, {len(failures)} differences", file=sys.stderr)
sys.exit(1 if failures else 0)
