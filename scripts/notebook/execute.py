"""Executes a notebook headless with nbclient, as `jupyter nbconvert --execute --to notebook`
does, and writes the executed copy:

    python execute.py IN.ipynb OUT.ipynb [--timeout SECONDS]

One difference: after a cell's kernel reports idle, outputs of that cell still arriving within a
short grace period are kept. Deno's kernel (2.9) forwards a cell's `execute_result` from its
evaluation thread and may publish it just after the idle status, where nbconvert drops it (about
one rich result in ten here). Prints the kernel that ran the notebook (name, implementation,
version) on stdout, and exits non-zero on an error cell.
"""
import argparse
import asyncio
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError

GRACE_SECONDS = 0.5


class GraceClient(NotebookClient):
    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        while True:
            msg = await self.kc.iopub_channel.get_msg(timeout=None)
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                break
        deadline = time.monotonic() + GRACE_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = await asyncio.wait_for(self.kc.iopub_channel.get_msg(timeout=None), left)
            except (asyncio.TimeoutError, TimeoutError):
                return
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    pass


async def run(client, nb, source):
    """Executes every cell; returns the error of the first failing one, or None."""
    async with client.async_setup_kernel():
        info = (await client.async_wait_for_reply(client.kc.kernel_info()))["content"]
        print(
            "notebook {} executed by kernel '{}': {} {} ({} {})".format(
                source, client.kernel_name,
                info.get("implementation"), info.get("implementation_version"),
                info.get("language_info", {}).get("name"), info.get("language_info", {}).get("version"),
            ),
            flush=True,
        )
        nb.metadata["executed_by"] = {"kernel": client.kernel_name, "implementation": info.get("implementation"), "implementation_version": info.get("implementation_version")}
        nb.metadata["language_info"] = info.get("language_info", {})
        try:
            for index, cell in enumerate(nb.cells):
                await client.async_execute_cell(cell, index)
        except CellExecutionError as error:
            return error
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--timeout", type=int, default=300)
    args = parser.parse_args()
    nb = nbformat.read(args.source, as_version=4)
    client = GraceClient(nb, timeout=args.timeout, resources={"metadata": {"path": str(pathlib.Path(args.source).resolve().parent)}})
    failed = asyncio.run(run(client, nb, args.source))
    nbformat.write(nb, args.target)
    if failed:
        print(str(failed), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
