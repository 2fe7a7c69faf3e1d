"""A 3-task workflow driven through the gateway with py-tes, the way
Snakemake's TES executor drives a TES server: each task gets its inputs and
outputs as file:// URLs next to the workflow, the engine polls MINIMAL until
a terminal state, then reads FULL for the exit code, and a task starts only
when the outputs of the one before are in place. (The job scripts use paths
relative to the working directory: the LocalSite behind the gateway in the
tests runs without a container, so paths inside a file are not remapped.)

usage: python py_tes_workflow.py BASE_URL TOKEN WORKFLOW_DIR
"""
import json
import os
import sys
import time

import tes

base, token, wf = sys.argv[1], sys.argv[2], sys.argv[3]
client = tes.HTTPClient(base, token=token, timeout=10)
TERMINAL = ("COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR", "CANCELED", "PREEMPTED")


def url(name):
    return "file://" + os.path.join(wf, name)


def run(rule, inputs, output, script):
    task = tes.Task(
        name="snakejob." + rule,
        description="rule " + rule,
        inputs=[tes.Input(path="/wf/" + i, url=url(i)) for i in inputs] + [tes.Input(path="/wf/run_snakemake.sh", content="#!/bin/sh\n" + script + "\n")],
        outputs=[tes.Output(path="/wf/" + output, url=url(output))],
        executors=[tes.Executor(image="alpine:3", command=["/bin/sh", "/wf/run_snakemake.sh"], workdir="/wf")],
        resources=tes.Resources(cpu_cores=1, ram_gb=1),
        tags={"workflow": "three-step"},
    )
    task_id = client.create_task(task)
    state = "QUEUED"
    while state not in TERMINAL:
        time.sleep(0.2)
        state = client.get_task(task_id, view="MINIMAL").state
    full = client.get_task(task_id, view="FULL")
    log = full.logs[-1] if full.logs else None
    exit_code = log.logs[-1].exit_code if log and log.logs else None
    return {"rule": rule, "id": task_id, "state": state, "exit_code": exit_code, "system_logs": log.system_logs if log else None}


steps = [
    run("make", [], "words.txt", "printf 'alpha\\nbeta\\ngamma\\n' > words.txt"),
    run("upper", ["words.txt"], "upper.txt", "tr a-z A-Z < words.txt > upper.txt"),
    run("count", ["upper.txt"], "count.txt", "wc -l < upper.txt | tr -d ' ' > count.txt"),
]
print(json.dumps(steps))
