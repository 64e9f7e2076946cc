"""Subprocess worker for the concurrency test: files requests from a separate OS process.

    python -m tests.helpdesk.file_worker URL VILLAGE_ID FIRST_CHAT_ID COUNT START_AT

Waits until wall-clock START_AT (so all workers start together), then files COUNT requests and
prints the numbers it got as one JSON list on stdout.
"""

from __future__ import annotations

import json
import sys
import time

from bot.helpdesk import Helpdesk


def main(argv: list[str]) -> int:
    url, village_id, first, count, start_at = argv
    helpdesk = Helpdesk.open(url, pool_size=2)  # also races the other workers' start-up migration check
    try:
        time.sleep(max(0.0, float(start_at) - time.time()))
        numbers = []
        for i in range(int(count)):
            chat_id = int(first) + i
            out = helpdesk.intake.file_request(
                chat_id, int(village_id), f"第{chat_id}号村民：家里房子漏雨", display_name=f"村民{chat_id}"
            )
            numbers.append(out.request.number)
        print(json.dumps(numbers))
        return 0
    finally:
        helpdesk.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
