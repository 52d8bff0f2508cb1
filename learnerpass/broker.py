"""The embedded default's broker: kombu's filesystem transport, made safe for several writers.

Used when REDIS_URL is unset, under the URL scheme `lpfs://` (registered in learnerpass/celery.py),
with its folders under BROKER_DIR (see learnerpass/settings.py and the README's "Background work").

Two changes to kombu's own filesystem transport:
- kombu's `_put` creates the message file and then writes it; a worker polling the folder can
  take it in between, read an empty message, and stop with a JSONDecodeError (it did here, under
  load). Here a message is written under a temporary name and renamed into place, which is
  atomic: a reader sees a whole message or none.
- kombu's `_get` moves a message to the system's temporary folder, which may be another file
  system (then the move is a copy, and two readers could both get it). Here it is renamed into
  a folder beside the queue, atomic on one file system: exactly one reader takes it.

A message is taken off the folder when a worker reads it, so a worker killed mid-task does not
get it back: the recorded jobs' sweeper and the outbox's sweeper queue that work again.
"""

import os
import time
import uuid
from queue import Empty

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads


class Channel(filesystem.Channel):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for folder in (self.data_folder_in, self.data_folder_out, self.control_folder, self._taken_folder):
            os.makedirs(folder, exist_ok=True)

    @property
    def _taken_folder(self) -> str:
        return os.path.join(self.data_folder_in, ".taken")

    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(time.monotonic() * 1000)):015d}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # Not "<…>.<queue>.msg": readers skip it until the rename.
        partial = os.path.join(self.data_folder_out, f".part-{uuid.uuid4().hex}")
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        suffix = f".{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if not name.endswith(suffix) or name.startswith("."):
                continue
            taken = os.path.join(self._taken_folder, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), taken)
            except OSError:
                continue  # another reader took it
            try:
                with open(taken, "rb") as handle:
                    payload = handle.read()
                os.remove(taken)
            except OSError as exc:
                raise ChannelError(f"Cannot read file {taken!r} from queue.") from exc
            return loads(bytes_to_str(payload))
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel


def register() -> None:
    """Make `lpfs://` name this transport (called by learnerpass/celery.py in every process)."""
    from kombu.transport import TRANSPORT_ALIASES

    TRANSPORT_ALIASES.setdefault("lpfs", "learnerpass.broker:Transport")
