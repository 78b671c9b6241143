"""Queue the scheduled key jobs every few minutes; the task worker runs them.

`make run` starts this beside the worker. Running it twice is harmless: each notice is
claimed by one conditional UPDATE and each revocation by another.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apikeys.maintenance import maintain_keys


class Command(BaseCommand):
    help = "Queue idle-key revocation and expiry notices every --every seconds (or --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=300, help="Seconds between runs.")
        parser.add_argument("--once", action="store_true", help="Queue one run and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            maintain_keys.enqueue()
            if options["once"]:
                return
            time.sleep(max(options["every"], 10))
