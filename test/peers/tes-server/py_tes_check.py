"""Drives a TES server with py-tes (the independent Python client) and prints
what it saw as JSON. Used by test/integration/tes-py-tes.test.ts to check the
reference server with a client that is not ours.

usage: python py_tes_check.py ORIGIN SCRATCH_DIR
"""
import json
import sys
import time

import tes

origin, scratch = sys.argv[1], sys.argv[2]
client = tes.HTTPClient(origin, timeout=10)
result = {}

info = client.get_service_info()
result["service_info"] = {"name": info.name, "artifact": info.type["artifact"], "storage": info.storage}

out_url = "file://" + scratch + "/py-out.txt"
task = tes.Task(
    name="py-tes-count",
    inputs=[tes.Input(path="/data/in.txt", content="x\ny\n")],
    outputs=[tes.Output(path="/data/out.txt", url=out_url)],
    executors=[tes.Executor(image="alpine:3", command=["sh", "-c", "wc -l < /data/in.txt > /data/out.txt; echo ok"])],
    tags={"client": "py-tes"},
)
task_id = client.create_task(task)
client.wait(task_id, timeout=60)
full = client.get_task(task_id, view="FULL")
basic = client.get_task(task_id, view="BASIC")
minimal = client.get_task(task_id, view="MINIMAL")
result["complete"] = {
    "id": task_id,
    "state": full.state,
    "stdout": full.logs[0].logs[0].stdout,
    "exit_code": full.logs[0].logs[0].exit_code,
    "outputs": [{"url": o.url, "path": o.path, "size_bytes": o.size_bytes} for o in full.logs[0].outputs],
    "basic_input_content": basic.inputs[0].content,
    "full_input_content": full.inputs[0].content,
    "minimal_name": minimal.name,
    "minimal_state": minimal.state,
}
with open(scratch + "/py-out.txt") as f:
    result["complete"]["output_text"] = f.read()

failing = client.create_task(tes.Task(executors=[tes.Executor(image="alpine:3", command=["sh", "-c", "exit 3"])]))
client.wait(failing, timeout=60)
failed = client.get_task(failing, view="BASIC")
result["exit3"] = {"state": failed.state, "exit_code": failed.logs[0].logs[0].exit_code}

sleeper = client.create_task(tes.Task(executors=[tes.Executor(image="alpine:3", command=["sleep", "30"])]))
while client.get_task(sleeper, view="MINIMAL").state != "RUNNING":
    time.sleep(0.05)
client.cancel_task(sleeper)
# py-tes's wait() stops at anything but QUEUED/RUNNING/INITIALIZING, so it may
# return CANCELING (cleanup still running); poll on to the final state.
waited = client.wait(sleeper, timeout=60).state
final = waited
deadline = time.time() + 60
while final == "CANCELING" and time.time() < deadline:
    time.sleep(0.05)
    final = client.get_task(sleeper, view="MINIMAL").state
result["cancel"] = {"wait_returned": waited, "final": final}

pages = []
token = None
while True:
    page = client.list_tasks(view="MINIMAL", page_size=1, page_token=token)
    pages.append([t.id for t in page.tasks])
    token = page.next_page_token
    if not token:
        break
result["pages"] = pages

missing = None
try:
    client.get_task("no-such-task")
except Exception as error:  # py-tes raises requests' HTTPError
    missing = getattr(getattr(error, "response", None), "status_code", str(error))
result["missing_status"] = missing

print(json.dumps(result))
