"""The Python side of bench/pulsar: stages one input in, runs `cat` into one output and
stages it out through Pulsar's own client library (pulsar.client, REST mode, urllib
transport), then prints one JSON line with its wall time and peak RSS.

    python python_client.py URL TOKEN JOB_ID INPUT OUTPUT WORKDIR
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


def main(url, token, job_id, input_path, output_path, workdir):
    started = time.monotonic()
    manager = build_client_manager()
    client = manager.get_client({"url": url, "private_token": token}, job_id)
    outputs = ClientOutputs(working_directory=workdir, output_files=[output_path])
    description = ClientJobDescription(
        command_line="cat '%s' > '%s'" % (input_path, output_path),
        tool=BenchTool(os.path.join(workdir, "tool")),
        client_inputs=ClientInputs([ClientInput(input_path, CLIENT_INPUT_PATH_TYPES.INPUT_PATH)]),
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
        "returncode": status.get("returncode"),
        "failures": [str(f) for f in failures],
        "seconds": time.monotonic() - started,
        "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == "__main__":
    main(*sys.argv[1:7])
