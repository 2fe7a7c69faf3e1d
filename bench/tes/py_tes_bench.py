"""py-tes side of bench/tes: the same work as the TypeScript side, done the
way py-tes offers it (one request at a time; `wait` polls every 0.5 s; pages
followed by hand, since py-tes returns one page).

usage: python py_tes_bench.py ORIGIN create N | create-raw-wait N | list
prints one JSON line: {"seconds": ..., "tasks": ...}

`create-raw-wait` is for servers whose MINIMAL answer py-tes cannot read (Funnel
sends `creation_time: ""`, which py-tes fails to parse as a date, so its `wait()`
raises): the same loop as `wait()` (MINIMAL every 0.5 s) over py-tes's own
`send_request`, reading only `state`.
"""
import json
import sys
import time

import tes
from tes.client import append_suffixes_to_url, send_request

origin, scenario = sys.argv[1], sys.argv[2]
client = tes.HTTPClient(origin, timeout=30)


def raw_state(task_id):
    """The task's state from a MINIMAL GET over py-tes's send_request, without its unmarshalling."""
    paths = append_suffixes_to_url(client.urls, ["/tasks/{task_id}"])
    return send_request(paths=paths, kwargs_requests=client._request_params(params={"view": "MINIMAL"}), task_id=task_id).json()["state"]


def raw_wait(task_id):
    """py-tes's wait() loop (MINIMAL every 0.5 s) over raw_state."""
    while True:
        state = raw_state(task_id)
        if state not in ("QUEUED", "RUNNING", "INITIALIZING"):
            return state
        time.sleep(0.5)


if scenario in ("create", "create-raw-wait"):
    n = int(sys.argv[3])
    start = time.perf_counter()
    ids = [
        client.create_task(tes.Task(name="bench-py", executors=[tes.Executor(image="alpine:3", command=["true"])]))
        for _ in range(n)
    ]
    wait = (lambda task_id: client.wait(task_id).state) if scenario == "create" else raw_wait
    states = [wait(task_id) for task_id in ids]
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "tasks": len(ids), "complete": states.count("COMPLETE")}))
elif scenario == "list":
    start = time.perf_counter()
    count = 0
    token = None
    while True:
        page = client.list_tasks(view="BASIC", page_size=256, page_token=token)
        count += len(page.tasks)
        token = page.next_page_token
        if not token:
            break
    print(json.dumps({"seconds": time.perf_counter() - start, "tasks": count}))
