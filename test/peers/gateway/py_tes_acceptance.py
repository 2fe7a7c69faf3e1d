"""The unified acceptance spec (test/integration/jobs-acceptance.ts) sent through a
TES gateway with py-tes, as a TES workflow engine would send it: a local input file
as a file:// URL, an inline input, two executors (the first's stdout to a file), two
outputs to local file:// URLs. Polls MINIMAL to the end, then reads FULL.

usage: python py_tes_acceptance.py BASE_URL TOKEN WORK_DIR
prints one JSON line: {"id", "state", "exit_codes", "outputs": [{"path", "url", "size_bytes"}]}
"""
import json
import os
import sys
import time

import tes

base, token, work = sys.argv[1], sys.argv[2], sys.argv[3]
client = tes.HTTPClient(base, token=token, timeout=10)
TERMINAL = ("COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR", "CANCELED", "PREEMPTED")


def url(name):
    return "file://" + os.path.join(work, name)


task = tes.Task(
    name="acceptance-two-by-two",
    inputs=[
        tes.Input(path="/data/in/words.txt", url=url("words.txt")),
        tes.Input(path="/data/in/greeting.txt", content="hello "),
    ],
    outputs=[
        tes.Output(path="/data/out/sorted.txt", url=url("out-sorted.txt")),
        tes.Output(path="/data/out/shout.txt", url=url("out-shout.txt")),
    ],
    executors=[
        tes.Executor(image="alpine:3", command=["sort", "/data/in/words.txt"], stdout="/data/out/sorted.txt", env={"LC_ALL": "C"}),
        tes.Executor(image="alpine:3", command=["sh", "-c", "cat /data/in/greeting.txt /data/out/sorted.txt | tr a-z A-Z > /data/out/shout.txt"]),
    ],
    tags={"client": "py-tes"},
)
task_id = client.create_task(task)
state = "QUEUED"
deadline = time.time() + 120
while state not in TERMINAL and time.time() < deadline:
    time.sleep(0.2)
    state = client.get_task(task_id, view="MINIMAL").state
full = client.get_task(task_id, view="FULL")
log = full.logs[-1] if full.logs else None
print(json.dumps({
    "id": task_id,
    "state": state,
    "exit_codes": [entry.exit_code for entry in (log.logs if log and log.logs else [])],
    "outputs": [{"path": o.path, "url": o.url, "size_bytes": o.size_bytes} for o in (log.outputs if log and log.outputs else [])],
}))
