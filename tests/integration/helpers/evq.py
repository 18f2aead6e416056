#!/usr/bin/python3
"""Questions about an event stream, for the integration tests.

  evq.py FILE check                 the stream is well formed: every line a JSON
                                    object, one run id, RunStarted first,
                                    RunFinished last; prints "ok" or the problem
  evq.py FILE count [KEY=PAT ...]   SandboxViolation events (first reports, not
                                    count updates) whose fields match the shell
                                    patterns; prints the number
  evq.py FILE total [KEY=PAT ...]   the same, summing their final counts
  evq.py FILE get TYPE KEY[.KEY]    a field of the last event of TYPE
  evq.py FILE list                  one line per violation: op target rule errno
  evq.py FILE expect < TABLE        TABLE lines "N<TAB>KEY=PAT<TAB>KEY=PAT...": exactly N
                                    first reports match each line; prints "ok", or
                                    one line per mismatch
"""
import fnmatch
import json
import sys


def load(path):
    events = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if not raw.endswith(b"\n"):
                raise SystemExit("line %d: no newline at the end" % n)
            events.append(json.loads(raw.decode("utf-8")))
    return events


def match(ev, pats):
    for p in pats:
        k, _, v = p.partition("=")
        val = ev.get(k)
        if val is None or not fnmatch.fnmatchcase(str(val), v):
            return False
    return True


def main():
    path, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    evs = load(path)
    viol = [e for e in evs if e.get("type") == "SandboxViolation"]
    if cmd == "check":
        if not evs:
            print("empty stream")
        elif evs[0].get("type") != "RunStarted":
            print("first event is %s" % evs[0].get("type"))
        elif evs[-1].get("type") != "RunFinished":
            print("last event is %s" % evs[-1].get("type"))
        elif len({e.get("run_id") for e in evs}) != 1:
            print("several run ids")
        elif any(e.get("type") == "RunStarted" for e in evs[1:]) or any(
                e.get("type") == "RunFinished" for e in evs[:-1]):
            print("RunStarted/RunFinished in the middle")
        else:
            print("ok")
    elif cmd == "count":
        print(sum(1 for e in viol if not e.get("update") and match(e, args)))
    elif cmd == "total":
        last = {}
        for e in viol:
            if match(e, args):
                last[e.get("id")] = e.get("count", 1)
        print(sum(last.values()))
    elif cmd == "get":
        typ, key = args[0], args[1]
        sel = [e for e in evs if e.get("type") == typ]
        v = sel[-1] if sel else None
        for k in key.split("."):
            v = v.get(k) if isinstance(v, dict) else None
        print(json.dumps(v) if not isinstance(v, str) else v)
    elif cmd == "expect":
        bad = []
        for line in sys.stdin.read().splitlines():
            if not line.strip():
                continue
            parts = line.split("\t")
            want, pats = int(parts[0]), [p for p in parts[1:] if p]
            got = sum(1 for e in viol if not e.get("update") and match(e, pats))
            if got != want:
                bad.append("want %d got %d: %s" % (want, got, " ".join(pats)))
        print("\n".join(bad) if bad else "ok")
    elif cmd == "list":
        for e in viol:
            print(e.get("operation"), e.get("target"), e.get("rule"), e.get("errno"),
                  "update" if e.get("update") else "")
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
