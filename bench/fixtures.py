"""Benchmark fixtures: a fake $HOME with secrets, a 5,000-file git repository
and a C project of a few hundred files with a Makefile.

Everything is generated (deterministically) under one directory; nothing is
downloaded. Used by bench/harness.py.
"""
import os
import subprocess

# Secrets planted in the fake $HOME. Every tool that can hide paths is told to
# hide these (ringfence hides them by default: they are in its built-in list).
HOME_SECRETS = {
    ".ssh/id_ed25519": "-----BEGIN OPENSSH PRIVATE KEY-----\nbench-fake-key\n",
    ".ssh/known_hosts": "example.invalid ssh-ed25519 AAAA\n",
    ".aws/credentials": "[default]\naws_access_key_id=AKIABENCHFAKE\n",
    ".gnupg/private-keys-v1.d/fake.key": "fake\n",
    ".netrc": "machine example.invalid login bench password fake\n",
    ".git-credentials": "https://bench:fake@example.invalid\n",
    ".docker/config.json": "{\"auths\": {}}\n",
    ".kube/config": "apiVersion: v1\n",
    ".config/gh/hosts.yml": "github.com:\n  oauth_token: fake\n",
}

# The top-level entries of HOME_SECRETS: what gets hidden (a directory whole).
def hidden_home_entries(home):
    tops = []
    for rel in HOME_SECRETS:
        parts = rel.split("/")
        top = parts[0] if parts[0] != ".config" else "/".join(parts[:2])
        p = os.path.join(home, top)
        if p not in tops:
            tops.append(p)
    return tops

# Sensitive system files ringfence hides by default (src/policy/policy.c);
# the peers are told to hide the ones that exist on this machine.
SYSTEM_SECRETS = [
    "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-",
    "/etc/sudoers", "/etc/sudoers.d", "/etc/ssl/private",
    "/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key",
    "/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_dsa_key",
    "/etc/security/opasswd",
]


def hidden_paths(home):
    return hidden_home_entries(home) + [p for p in SYSTEM_SECRETS if os.path.lexists(p)]


def make_home(home):
    for rel, text in HOME_SECRETS.items():
        p = os.path.join(home, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
    for d in (".ssh", ".gnupg", ".aws"):
        os.chmod(os.path.join(home, d), 0o700)


GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
}


def make_git_repo(root, env, nfiles=5000, per_dir=100):
    os.makedirs(root, exist_ok=True)
    for i in range(nfiles):
        d = os.path.join(root, "src", "d%03d" % (i // per_dir))
        if i % per_dir == 0:
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "f%05d.txt" % i), "w") as f:
            f.write("file %d\n%s\n" % (i, "x" * (i % 200)))
    e = dict(env, **GIT_ENV)
    q = dict(cwd=root, env=e, stdout=subprocess.DEVNULL, check=True)
    # Files older than the index: otherwise entries are "racily clean" and
    # every `git status` re-reads all 5,000 files (and whether it does then
    # depends on which tool last managed to rewrite the index).
    backdate(root, 3600)
    subprocess.run(["git", "init", "-q", "-b", "main"], **q)
    subprocess.run(["git", "add", "-A"], **q)
    subprocess.run(["git", "commit", "-q", "-m", "fixture"], **q)
    # Leave the tree a little dirty, as a working tree usually is.
    with open(os.path.join(root, "src", "d000", "f00000.txt"), "a") as f:
        f.write("edited\n")
    with open(os.path.join(root, "untracked.txt"), "w") as f:
        f.write("new\n")
    backdate(os.path.join(root, "src", "d000", "f00000.txt"), 1800)
    backdate(os.path.join(root, "untracked.txt"), 1800)
    # Settle the index so every timed `git status` does the same work: an
    # lstat per file, no file read, no index write.
    subprocess.run(["git", "update-index", "-q", "--really-refresh"], cwd=root, env=e,
                   stdout=subprocess.DEVNULL, check=False)
    subprocess.run(["git", "status", "--porcelain"], **q)


def copy_repo(src, dst, env):
    """A copy of the repository with its index settled for the copy's inodes."""
    subprocess.run(["cp", "-a", src, dst], check=True)
    q = dict(cwd=dst, env=dict(env, **GIT_ENV), stdout=subprocess.DEVNULL)
    subprocess.run(["git", "update-index", "-q", "--really-refresh"], check=False, **q)
    subprocess.run(["git", "status", "--porcelain"], check=True, **q)
    return dst


def backdate(path, seconds):
    import time
    t = time.time() - seconds
    if os.path.isdir(path):
        for d, _, files in os.walk(path):
            for f in files:
                os.utime(os.path.join(d, f), (t, t))
    else:
        os.utime(path, (t, t))


C_UNIT = """#include "proj.h"

static unsigned mix_{n}(unsigned x) {{
	x ^= x >> 16; x *= 0x7feb352dU; x ^= x >> 15; x *= 0x846ca68bU; x ^= x >> 16;
	return x;
}}

struct acc_{n} {{ unsigned v[8]; }};

static void step_{n}(struct acc_{n} *a, unsigned k) {{
	for (int i = 0; i < 8; i++)
		a->v[i] = mix_{n}(a->v[i] + k * (unsigned)(i + {n}));
}}

unsigned unit_{n}(unsigned seed) {{
	struct acc_{n} a = {{{{ seed, seed + 1, seed + 2, seed + 3, seed + 4, seed + 5, seed + 6, seed + 7 }}}};
	for (unsigned k = 0; k < 16; k++) {{
		step_{n}(&a, k);
		if (a.v[k % 8] % 3 == 0)
			a.v[(k + 1) % 8] ^= mix_{n}(k);
		else
			a.v[(k + 2) % 8] += (unsigned)proj_helper((int)k);
	}}
	unsigned r = 0;
	for (int i = 0; i < 8; i++)
		r ^= a.v[i];
	return r;
}}
"""

MAKEFILE = """CC ?= cc
CFLAGS ?= -O2 -g -Wall -Wextra
SRCS := $(wildcard src/*.c)
OBJS := $(SRCS:src/%.c=obj/%.o)

all: proj

proj: $(OBJS)
\t$(CC) -o $@ $(OBJS)

obj/%.o: src/%.c src/proj.h | obj
\t$(CC) $(CFLAGS) -Isrc -c -o $@ $<

obj:
\tmkdir -p obj

clean:
\trm -rf obj proj

.PHONY: all clean
"""


def make_c_project(root, nunits=300):
    src = os.path.join(root, "src")
    os.makedirs(src, exist_ok=True)
    with open(os.path.join(src, "proj.h"), "w") as f:
        f.write("#pragma once\nint proj_helper(int);\n")
        for n in range(nunits):
            f.write("unsigned unit_%d(unsigned);\n" % n)
    for n in range(nunits):
        with open(os.path.join(src, "u%03d.c" % n), "w") as f:
            f.write(C_UNIT.format(n=n))
    with open(os.path.join(src, "main.c"), "w") as f:
        f.write('#include <stdio.h>\n#include "proj.h"\n')
        f.write("int proj_helper(int k) { return k * 7 + 1; }\n")
        f.write("int main(void) {\n\tunsigned r = 0;\n")
        for n in range(nunits):
            f.write("\tr ^= unit_%d(%du);\n" % (n, n))
        f.write('\tprintf("%u\\n", r);\n\treturn 0;\n}\n')
    with open(os.path.join(root, "Makefile"), "w") as f:
        f.write(MAKEFILE)


def make_all(base, env):
    """Create base/{home,ws/repo,ws/cproj}; return a dict of paths."""
    home = os.path.join(base, "home")
    ws = os.path.join(base, "ws")
    make_home(home)
    make_git_repo(os.path.join(ws, "repo"), dict(env, HOME=home))
    make_c_project(os.path.join(ws, "cproj"))
    return {"home": home, "ws": ws, "repo": os.path.join(ws, "repo"),
            "cproj": os.path.join(ws, "cproj")}
