"""The Python side of bench/pulsar: one job shape through Pulsar's own client library
(pulsar.client, REST mode, urllib transport): stages the inputs in, runs `cat` of input i
into output i, polls every 250 ms, stages the outputs out and cleans up, then prints one
JSON line with its wall time (after imports) and peak RSS.

    python python_client.py SHAPE.json

SHAPE.json: {"url", "token", "jobId", "inputs": [local paths], "outputs": [local paths], "workdir"}
"""
import json
import os
import resource
import sys
import time

from pulsar.client.manager import build_client_manager
from pulsar.client.staging.down import finish_job
from pulsar.client.staging.inputs import CLIENT_INPUT_PATH_TYPES, ClientInput, ClientInputs
from pulsar.client.staging.models import ClientJobDescription, ClientOutputs, PulsarOutputs
from pulsar.client.staging.up import submit_job


class BenchTool:
    id = "bench_cat"
    version = "1.0"

    def __init__(self, tool_dir):
        self.tool_dir = tool_dir


def main(shape_file):
    with open(shape_file) as f:
        shape = json.load(f)
    started = time.monotonic()
    manager = build_client_manager()
    client = manager.get_client({"url": shape["url"], "private_token": shape["token"]}, shape["jobId"])
    workdir = shape["workdir"]
    outputs = ClientOutputs(working_directory=workdir, output_files=shape["outputs"])
    copies = " && ".join("cat '%s' > '%s'" % pair for pair in zip(shape["inputs"], shape["outputs"]))
    description = ClientJobDescription(
        command_line=copies,
        tool=BenchTool(os.path.join(workdir, "tool")),
        client_inputs=ClientInputs([ClientInput(path, CLIENT_INPUT_PATH_TYPES.INPUT_PATH) for path in shape["inputs"]]),
        client_outputs=outputs,
        working_directory=workdir,
    )
    remote_id = submit_job(client, description)
    if remote_id:
        client.job_id = remote_id
    while True:
        status = client.raw_check_complete()
        if status["status"] in ("complete", "failed", "cancelled", "lost"):
            break
        time.sleep(0.25)
    failures = finish_job(client, "always", status["status"] == "complete", outputs, PulsarOutputs.from_status_response(status))
    manager.shutdown()
    print(json.dumps({
        "status": status["status"],
        "failures": [str(f) for f in failures],
        "seconds": time.monotonic() - started,
        "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
