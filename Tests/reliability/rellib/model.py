"""What the mount acknowledged, key by key, as sets of possible contents.

An operation that succeeded leaves exactly one possible state; one that failed (with an errno) may or may
not have taken effect, so both states stay possible. At the end every object in the bucket must be one of
its key's possible states, and a key whose state is certain must be exactly that. No object may ever hold
bytes that no acknowledged-or-attempted version had (a torn or partial upload)."""
from __future__ import annotations

from .worker import digest

ABSENT = None


class Model:
    def __init__(self):
        self.states: dict[str, set] = {}          # key -> {digest or ABSENT}
        self.bodies: dict[str, bytes] = {}        # digest -> bytes, for every version ever attempted
        self.bodies[digest(b"")] = b""            # create makes an empty object before the data arrives

    def version(self, data: bytes) -> str:
        d = digest(data)
        self.bodies[d] = data
        return d

    def certain(self, key: str):
        s = self.states.get(key, {ABSENT})
        return next(iter(s)) if len(s) == 1 else "uncertain"

    def body(self, key: str) -> bytes | None:
        c = self.certain(key)
        return None if c in (ABSENT, "uncertain") else self.bodies[c]

    def succeeded(self, key: str, state) -> None:
        self.states[key] = {state}

    def failed(self, key: str, *possible) -> None:
        self.states.setdefault(key, {ABSENT}).update(possible)

    def keys_under(self, prefix: str) -> list[str]:
        return [k for k in self.states if k.startswith(prefix)]

    def renamed(self, src: str, dst: str, ok: bool) -> None:
        """Directory (prefix) or file rename: states move; on failure each key may be on either side."""
        moves = [(k, dst + k[len(src):]) for k in self.keys_under(src)] if src.endswith("/") else [(src, dst)]
        for old, new in moves:
            s = self.states.get(old, {ABSENT})
            if ok:
                self.states[new] = set(s)
                self.states[old] = {ABSENT}
            else:
                self.states.setdefault(new, {ABSENT}).update(s)
                self.states[old] = s | {ABSENT}
