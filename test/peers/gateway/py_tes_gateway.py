"""Drives the pulsar-network TES gateway with py-tes (an independent TES
client) and prints what it saw as JSON. Used by
test/integration/gateway-py-tes.test.ts.

usage: python py_tes_gateway.py BASE_URL TOKEN SCRATCH_DIR
"""
import json
import sys
import time

import requests
import tes

base, token, scratch = sys.argv[1], sys.argv[2], sys.argv[3]
client = tes.HTTPClient(base, token=token, timeout=10)
result = {}

info = client.get_service_info()
result["service_info"] = {"name": info.name, "artifact": info.type["artifact"], "version": info.type["version"], "storage": info.storage}

# A task with an inline input, a file output, tags.
out_url = "file://" + scratch + "/py-out.txt"
task = tes.Task(
    name="gw-count",
    inputs=[tes.Input(path="/data/in.txt", content="x\ny\n")],
    outputs=[tes.Output(path="/data/out.txt", url=out_url)],
    executors=[tes.Executor(image="alpine:3", command=["sh", "-c", "wc -l < /data/in.txt > /data/out.txt; echo ok"])],
    tags={"client": "py-tes", "batch": "one"},
)
task_id = client.create_task(task)
waited = client.wait(task_id, timeout=60)
views = {v: client.get_task(task_id, view=v) for v in ("MINIMAL", "BASIC", "FULL")}
full, basic, minimal = views["FULL"], views["BASIC"], views["MINIMAL"]
result["complete"] = {
    "id": task_id,
    "state": full.state,
    "wait_state": waited.state,
    "stdout": full.logs[0].logs[0].stdout,
    "exit_code": full.logs[0].logs[0].exit_code,
    "outputs": [{"url": o.url, "path": o.path, "size_bytes": o.size_bytes} for o in full.logs[0].outputs],
    "basic_stdout": basic.logs[0].logs[0].stdout,
    "basic_exit_code": basic.logs[0].logs[0].exit_code,
    "basic_input_content": basic.inputs[0].content,
    "full_input_content": full.inputs[0].content,
    "basic_tags": basic.tags,
    "minimal_name": minimal.name,
    "minimal_state": minimal.state,
}
with open(scratch + "/py-out.txt") as f:
    result["complete"]["output_text"] = f.read()

failing = client.create_task(tes.Task(name="gw-exit3", executors=[tes.Executor(image="alpine:3", command=["sh", "-c", "echo bad >&2; exit 3"])]))
client.wait(failing, timeout=60)
failed = client.get_task(failing, view="FULL")
result["exit3"] = {"state": failed.state, "exit_code": failed.logs[0].logs[0].exit_code, "stderr": failed.logs[0].logs[0].stderr}

sleeper = client.create_task(tes.Task(name="gw-sleep", executors=[tes.Executor(image="alpine:3", command=["sleep", "60"])], tags={"batch": "two"}))
deadline = time.time() + 60
while client.get_task(sleeper, view="MINIMAL").state != "RUNNING" and time.time() < deadline:
    time.sleep(0.1)
client.cancel_task(sleeper)
final = client.get_task(sleeper, view="MINIMAL").state
deadline = time.time() + 60
while final not in ("CANCELED", "COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR") and time.time() < deadline:
    time.sleep(0.1)
    final = client.get_task(sleeper, view="MINIMAL").state
result["cancel"] = {"final": final}

# Pages of one task, walked by py-tes.
pages = []
page_token = None
while True:
    page = client.list_tasks(view="MINIMAL", page_size=1, page_token=page_token)
    pages.append([t.id for t in page.tasks])
    page_token = page.next_page_token
    if not page_token:
        break
result["pages"] = pages

# py-tes cannot send ListTasks filters: the same session sends them as a TES client would.
headers = {"Authorization": "Bearer " + token}
def listed(params):
    answer = requests.get(base + "/ga4gh/tes/v1/tasks", params=params, headers=headers, timeout=10)
    answer.raise_for_status()
    return [t["id"] for t in answer.json()["tasks"]]
result["filters"] = {
    "name_prefix": listed({"name_prefix": "gw-e"}),
    "state": listed({"state": "CANCELED"}),
    "tag_pair": listed([("tag_key", "batch"), ("tag_value", "one")]),
    "tag_key_only": listed([("tag_key", "batch"), ("tag_value", "")]),
    "tag_two_pairs": listed([("tag_key", "batch"), ("tag_value", "one"), ("tag_key", "client"), ("tag_value", "py-tes")]),
    "provenance_tag": listed([("tag_key", "pulsar-network.site"), ("tag_value", "laptop")]),
}
result["ids"] = {"complete": task_id, "exit3": failing, "sleep": sleeper}

missing = None
try:
    client.get_task("no-such-task")
except Exception as error:
    missing = getattr(getattr(error, "response", None), "status_code", str(error))
result["missing_status"] = missing

print(json.dumps(result))
