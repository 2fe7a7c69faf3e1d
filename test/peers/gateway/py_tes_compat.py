"""Runs one task through the pulsar-network TES gateway with whichever py-tes
is installed (0.4.2, as Toil's TES batch system pins it, or 1.1.x), and
prints what it saw as JSON. Used by test/integration/gateway-compat.test.ts.

usage: python py_tes_compat.py BASE_URL TOKEN SCRATCH_DIR
"""
import json
import sys

import tes
from urllib.parse import quote

base, token, scratch = sys.argv[1], sys.argv[2], sys.argv[3]
client = tes.HTTPClient(base, token=token, timeout=10)
info = client.get_service_info()
task = tes.Task(
    name="compat",
    inputs=[tes.Input(path="/data/in.txt", content="a\nb\n")],
    outputs=[
        tes.Output(path="/data/out/count.txt", url="file://" + scratch + "/count.txt", type="FILE"),
        tes.Output(path="/data/work", url="file://" + quote(scratch + "/work dir"), type="DIRECTORY"),
    ],
    executors=[tes.Executor(image="alpine:3", command=["sh", "-c", "wc -l < /data/in.txt > /data/out/count.txt; echo x > 'a b.txt'"], workdir="/data/work")],
)
task_id = client.create_task(task)
client.wait(task_id, timeout=60)
full = client.get_task(task_id, view="FULL")
print(json.dumps({
    "service_info": {"name": info.name, "storage": info.storage},
    "state": full.state,
    "outputs": sorted([{"url": o.url, "path": o.path} for o in full.logs[0].outputs], key=lambda o: o["path"]),
}))
