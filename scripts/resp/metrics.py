#!/usr/bin/env python3
"""Scrapes the proxy's /metrics, parses it with prometheus_client's text parser, and
checks the families the README lists and that they move with the work done through the
RESP endpoint.

usage: metrics.py METRICS_PORT RESP_PORT  (exit status 1 on any problem)
"""
import sys
import time
import urllib.request

import redis
from prometheus_client.parser import text_string_to_metric_families

metrics_port, resp_port = int(sys.argv[1]), int(sys.argv[2])
problems = []


def scrape():
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30) as response:
        if not response.headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"):
            problems.append(f"content type {response.headers.get('Content-Type')}")
        text = response.read().decode()
    samples = {}
    kinds = {}
    for family in text_string_to_metric_families(text):
        kinds[family.name] = family.type
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return kinds, samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


client = redis.Redis(port=resp_port)
client.flushall()
before_kinds, before = scrape()
for index in range(10):
    client.set(f"metrics:{index}", b"x" * 1000)
for index in range(10):
    client.get(f"metrics:{index}")
client.get("metrics:missing")
client.set("metrics:short", b"v", px=1)
# The proxy sweeps expired objects every 100 ms: by now the short-lived one is gone.
time.sleep(0.5)
kinds, after = scrape()

expected_kinds = {
    "infinicache_proxy_requests": "counter",
    "infinicache_proxy_request_duration_seconds": "histogram",
    "infinicache_proxy_received_bytes": "counter",
    "infinicache_proxy_sent_bytes": "counter",
    "infinicache_proxy_objects": "gauge",
    "infinicache_proxy_bytes": "gauge",
    "infinicache_proxy_nodes": "gauge",
    "infinicache_proxy_hits": "counter",
    "infinicache_proxy_tier_hits": "counter",
    "infinicache_proxy_misses": "counter",
    "infinicache_proxy_evictions": "counter",
    "infinicache_proxy_lost_objects": "counter",
    "infinicache_proxy_expirations": "counter",
    "infinicache_lifecycle_invocations": "counter",
    "infinicache_lifecycle_cold_starts": "counter",
    "infinicache_lifecycle_reclaims": "counter",
    "infinicache_lifecycle_failovers": "counter",
    "infinicache_lifecycle_synced_bytes": "counter",
    "infinicache_lifecycle_bill_dollars": "gauge",
    "infinicache_lifecycle_billed_gigabyte_seconds": "gauge",
}
for name, kind in expected_kinds.items():
    if kinds.get(name) != kind:
        problems.append(f"{name}: expected a {kind}, found {kinds.get(name)}")


def moved(name, **labels):
    return value(after, name, **labels) - value(before, name, **labels)


checks = [
    (moved("infinicache_proxy_requests_total", operation="get", outcome="ok"), 10),
    (moved("infinicache_proxy_requests_total", operation="get", outcome="not_found"), 1),
    (moved("infinicache_proxy_requests_total", operation="put", outcome="ok"), 11),
    (moved("infinicache_proxy_request_duration_seconds_count", operation="get"), 11),
    (moved("infinicache_proxy_hits_total"), 10),
    # 1 KiB values are replicated and written in one round trip: the proxy's tier keeps them.
    (moved("infinicache_proxy_tier_hits_total"), 10),
    (moved("infinicache_proxy_misses_total"), 1),
    (value(after, "infinicache_proxy_nodes"), 12),
    (value(after, "infinicache_proxy_objects"), client.dbsize()),
]
for got, want in checks:
    if got != want:
        problems.append(f"expected {want}, got {got}")
if not moved("infinicache_proxy_received_bytes_total") >= 10 * 1000:
    problems.append("received bytes did not count the values written")
if not moved("infinicache_proxy_sent_bytes_total") >= 10 * 1000:
    problems.append("sent bytes did not count the values read")
if not moved("infinicache_proxy_expirations_total") >= 1:
    problems.append("the expired object was not counted")
if not value(after, "infinicache_lifecycle_invocations_total") >= 12:
    problems.append("lifecycle invocations were not counted")
if not value(after, "infinicache_lifecycle_bill_dollars") > 0:
    problems.append("the bill is not reported")

for problem in problems:
    print("METRICS", problem)
print(f"metrics: {len(kinds)} families scraped and parsed, {len(problems)} problems", file=sys.stderr)
sys.exit(1 if problems else 0)
