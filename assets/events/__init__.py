"""Events: per-organization rules, the transactional outbox and webhook deliveries.

The outbox is a database trigger on the change log (migration 0001): every change-log row, from
single services, bulk paths and imports alike, inserts one pending delivery per matching enabled
rule in the same transaction. A rolled-back change leaves none; a request with no matching rule
runs no extra statement from Python. The worker relays due deliveries to tasks (`outbox.relay`),
and each task makes one signed POST (`delivery.deliver`).
"""
