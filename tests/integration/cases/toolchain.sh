# A real toolchain in the workspace, as a new user would use it: make + gcc
# on a multi-file C project, git (plain clone, submodules), python3 (venv,
# pip install of a local wheel and sdist offline, pytest), cargo offline (no
# dependency, and a dependency from a local registry: ~/.cargo/registry),
# npm ci from a registry on the sandbox's own loopback (offline) and from the
# real npm registry (--network online; skipped only when the host cannot
# reach it, and then says so). Each next to what it must not do.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_common.bash"

# Debian's tools, whoever runs the suite (root's PATH may lead into its home)
TC_PATH=/usr/local/bin:/usr/bin:/bin

# sb with a plain PATH and the probe dir (sbp) visible
sbt() { PATH="$TC_PATH" sbp "$@"; }

need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || _fail "$t is not installed (scripts/deps --test installs it)"
	done
}

# --- make + gcc -------------------------------------------------------------------

_c_project() {
	mkdir -p "$WS/src" "$WS/include"
	cat >"$WS/include/calc.h" <<'EOF'
int add(int a, int b);
int mul(int a, int b);
EOF
	cat >"$WS/src/add.c" <<'EOF'
#include "calc.h"
int add(int a, int b) { return a + b; }
EOF
	cat >"$WS/src/mul.c" <<'EOF'
#include "calc.h"
int mul(int a, int b) { int r = 0; for (int i = 0; i < b; i++) r = add(r, a); return r; }
EOF
	cat >"$WS/src/main.c" <<'EOF'
#include <stdio.h>
#include "calc.h"
int main(void) { printf("%d %d\n", add(2, 3), mul(6, 7)); return 0; }
EOF
	printf '%s\n' 'CFLAGS ?= -O2 -Wall -Wextra -Werror' 'CPPFLAGS += -Iinclude' \
		'OBJ = src/add.o src/mul.o' 'all: app' \
		'libcalc.a: $(OBJ)' '	$(AR) rcs $@ $^' \
		'app: src/main.o libcalc.a' '	$(CC) -o $@ $^' \
		'src/%.o: src/%.c include/calc.h' '	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<' \
		'check: app' '	test "$$(./app)" = "5 42"' \
		'install: app' '	install -D -m 755 app $(DESTDIR)$(PREFIX)/bin/app' \
		'clean:' '	rm -f app libcalc.a src/*.o' '.PHONY: all check install clean' >"$WS/Makefile"
}

t_tc_make_gcc_project_builds() {
	need make gcc ar
	_c_project
	sbt -- sh -c 'set -e
		make -j2 && make check
		touch include/calc.h && make -j2 | grep -c "\.o" && make check
		make install DESTDIR="$PWD/stage" PREFIX=/usr && ./stage/usr/bin/app
		make clean && test ! -e app && make -j2 CC=gcc >/dev/null && echo BUILD-OK'
	expect_rc 0 "make, rebuild after a header change, check, install to DESTDIR, clean"
	expect_out "5 42" "the program"
	expect_out "BUILD-OK" "all steps"
	expect_true test -x "$WS/app" -a -x "$WS/stage/usr/bin/app"
}

t_tc_make_install_outside_denied() {
	need make gcc ar
	_c_project
	sbt -- sh -c 'make -j2 >/dev/null && make install PREFIX=/usr/local'
	expect_denied "make install into /usr/local"
	expect_true test ! -e /usr/local/bin/app
	sbt -- sh -c 'make install PREFIX="$HOME/.local"'
	expect_denied "make install into ~/.local (read-only home)"
	expect_true test ! -e "$FAKE_HOME/.local/bin/app"
}

# --- git ------------------------------------------------------------------------

# $FAKE_HOME/origin (visible, read-only inside) cloned into the workspace
_git_clone_ws() {
	ORIGIN="$FAKE_HOME/origin"
	git_repo "$ORIGIN"
	echo one >"$ORIGIN/one" && git -C "$ORIGIN" add one && git -C "$ORIGIN" commit -qm one
	cd "$RF_TEST_TMP" && rmdir "$WS" && git clone -q "$ORIGIN" "$WS" && cd "$WS" || return 1
}

t_tc_git_clone_workflow() {
	need git
	_git_clone_ws
	sbt -- sh -c 'set -e
		base=$(git branch --show-current)
		test -z "$(git status --short)"
		echo a >> one && git add one && git commit -qm edit
		git branch feature && git checkout -q feature
		echo f > f && git add f && git commit -qm f
		git checkout -q "$base" && echo m > m && git add m && git commit -qm m
		echo wip >> m && git stash -q && git stash list | grep -q WIP && git stash pop -q && git commit -qam wip
		git checkout -q feature && git rebase -q "$base"
		git log --oneline | head -6
		git fetch -q origin && git status -sb | head -1
		git gc -q && git fsck --no-progress && echo GIT-OK'
	expect_rc 0 "status, add, commit, branch, stash, rebase, log, fetch, gc"
	expect_out "GIT-OK" "all steps"
	expect_true test "$(git -C "$WS" log --oneline | wc -l)" -ge 6
}

t_tc_git_push_to_readonly_origin_denied() {
	need git
	_git_clone_ws
	local before
	before=$(git -C "$ORIGIN" rev-parse HEAD)
	sbt -- sh -c 'echo x > x && git add x && git commit -qm x && git push -q origin HEAD:refs/heads/evil'
	expect_denied "push into a repository outside the workspace"
	expect_true test "$(git -C "$ORIGIN" rev-parse HEAD)" = "$before"
	expect_true test -z "$(git -C "$ORIGIN" branch --list evil)"
}

t_tc_git_submodule_initialized_works() {
	# submodules set up outside (init writes .git/config, which is protected)
	# are worked on inside: commit in the submodule, bump it, update
	need git
	_git_clone_ws
	local lib="$FAKE_HOME/lib"
	git_repo "$lib"
	git -c protocol.file.allow=always submodule add -q "$lib" lib && git commit -qm "add lib"
	sbt -- sh -c 'set -e
		(cd lib && echo more >> README && git commit -qam lib-change)
		git add lib && git commit -qm bump
		git submodule status | grep -q "^ " && git -c protocol.file.allow=always submodule update
		git submodule foreach -q "git log --oneline -1" && echo SUBMODULE-OK'
	expect_rc 0 "work in an initialized submodule"
	expect_out "lib-change" "the submodule's commit"
	expect_out "SUBMODULE-OK" "all steps"
}

t_tc_git_submodule_add_cannot_write_config() {
	need git
	_git_clone_ws
	git_repo "$FAKE_HOME/lib2"
	local before
	before=$(cat "$WS/.git/config")
	sbt -- git -c protocol.file.allow=always submodule add -q "$FAKE_HOME/lib2" lib2
	# git reports the failed write but may still exit 0: what counts is
	# that the protected config is unchanged
	expect_err "could not write config file" "git submodule add registers the URL in the protected .git/config"
	expect_true test "$(cat "$WS/.git/config")" = "$before"
}

# --- python -----------------------------------------------------------------------

_py_project() {
	mkdir -p "$WS/wheels" "$WS/sdist/src/rfcalc" "$WS/tests"
	# a wheel built by hand (the zip format pip installs), offline
	"$HOST_PY" - "$WS/wheels" <<'EOF'
import base64, hashlib, sys, zipfile
name, ver = "rftiny", "1.0"
files = {f"{name}/__init__.py": "def double(x):\n    return 2 * x\n",
         f"{name}-{ver}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {ver}\n",
         f"{name}-{ver}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: rf-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
record = []
with zipfile.ZipFile(f"{sys.argv[1]}/{name}-{ver}-py3-none-any.whl", "w") as z:
    for path, text in files.items():
        z.writestr(path, text)
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text)}")
    z.writestr(f"{name}-{ver}.dist-info/RECORD", "\n".join(record + [f"{name}-{ver}.dist-info/RECORD,,"]) + "\n")
EOF
	printf '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "rfcalc"\nversion = "0.1"\n' \
		>"$WS/sdist/pyproject.toml"
	printf 'def add(a, b):\n    return a + b\n' >"$WS/sdist/src/rfcalc/__init__.py"
	printf 'import rfcalc, rftiny\n\ndef test_add():\n    assert rfcalc.add(2, 3) == 5\n\ndef test_double():\n    assert rftiny.double(21) == 42\n' \
		>"$WS/tests/test_calc.py"
}

t_tc_python_venv_pip_pytest() {
	need python3
	"$HOST_PY" -c 'import venv, ensurepip, setuptools, wheel, pytest' 2>/dev/null ||
		_fail "python3-venv, python3-setuptools, python3-wheel, python3-pytest missing (scripts/deps --test)"
	_py_project
	sbt -- sh -c 'set -e
		/usr/bin/python3 -m venv --system-site-packages .venv && . .venv/bin/activate
		pip install -q --no-index wheels/rftiny-1.0-py3-none-any.whl
		pip install -q --no-index --no-build-isolation ./sdist
		pip list 2>/dev/null | grep -E "rftiny|rfcalc"
		python -m pytest -q tests && echo PY-OK'
	expect_rc 0 "venv, pip install of a wheel and an sdist offline, pytest"
	expect_out "2 passed" "pytest"
	expect_out "PY-OK" "all steps"
	expect_true test -x "$WS/.venv/bin/python"
	expect_true nothing_kept "$FAKE_HOME/.cache"
}

t_tc_python_pip_user_install_denied() {
	need python3
	_py_project
	sbt -- /usr/bin/python3 -m pip install -q --no-index --user --break-system-packages wheels/rftiny-1.0-py3-none-any.whl
	expect_denied "pip install --user (into the read-only home)"
	expect_true test ! -e "$FAKE_HOME/.local"
	sbt -- /usr/bin/python3 -m pip install -q --no-index --break-system-packages wheels/rftiny-1.0-py3-none-any.whl
	expect_denied "pip install into the system site-packages"
}

# --- cargo ----------------------------------------------------------------------

_crate() { # _crate DIR NAME
	mkdir -p "$1/src"
	printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2018"\n' "$2" >"$1/Cargo.toml"
}

t_tc_cargo_build_offline() {
	need cargo
	_crate "$WS" hello
	printf 'fn main() { println!("hello from cargo"); }\n#[test]\nfn t() { assert_eq!(2 + 2, 4); }\n' >"$WS/src/main.rs"
	sbt -- sh -c 'cargo build --offline -q && ./target/debug/hello && cargo test --offline -q 2>&1 | tail -3'
	expect_rc 0 "cargo build and test offline"
	expect_out "hello from cargo" "the program"
	expect_out "test result: ok" "cargo test"
	expect_true nothing_kept "$FAKE_HOME/.cargo"
}

# A registry of one crate in the workspace (cargo's local-registry source):
# cargo unpacks it into ~/.cargo/registry, the private cache layer.
_local_registry() {
	"$HOST_PY" - "$WS/registry" <<'EOF'
import hashlib, io, json, os, sys, tarfile
reg, name, ver = sys.argv[1], "rfdep", "0.1.0"
os.makedirs(f"{reg}/index/rf/de", exist_ok=True)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as t:
    for path, text in {"Cargo.toml": f'[package]\nname = "{name}"\nversion = "{ver}"\nedition = "2018"\n',
                       "src/lib.rs": "pub fn triple(x: i32) -> i32 { 3 * x }\n"}.items():
        data = text.encode()
        info = tarfile.TarInfo(f"{name}-{ver}/{path}")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
crate = buf.getvalue()
open(f"{reg}/{name}-{ver}.crate", "wb").write(crate)
entry = {"name": name, "vers": ver, "deps": [], "cksum": hashlib.sha256(crate).hexdigest(), "features": {}, "yanked": False}
open(f"{reg}/index/rf/de/{name}", "w").write(json.dumps(entry) + "\n")
EOF
	mkdir -p "$WS/.cargo"
	printf '[source.crates-io]\nreplace-with = "local"\n[source.local]\nlocal-registry = "registry"\n' >"$WS/.cargo/config.toml"
}

t_tc_cargo_dependency_through_registry_cache() {
	need cargo
	_crate "$WS" usedep
	printf 'rfdep = "0.1"\n' >>"$WS/Cargo.toml"
	sed -i 's/^edition = "2018"$/edition = "2018"\n[dependencies]/' "$WS/Cargo.toml"
	printf 'fn main() { println!("{}", rfdep::triple(14)); }\n' >"$WS/src/main.rs"
	_local_registry
	sbt -- sh -c 'cargo build --offline -q && ./target/debug/usedep && ls -d ~/.cargo/registry/src/*/rfdep-0.1.0'
	expect_rc 0 "cargo build with a dependency unpacked into ~/.cargo/registry (fresh home)"
	expect_out "42" "the program"
	expect_true nothing_kept "$FAKE_HOME/.cargo"
	# again with a ~/.cargo of the user's (config, bin): the registry gets a
	# layer, the rest stays read-only and untouched
	mkdir -p "$FAKE_HOME/.cargo/bin" && echo '[net]' >"$FAKE_HOME/.cargo/config.toml"
	rm -rf "$WS/target"
	sbt -- sh -c 'cargo build --offline -q && ./target/debug/usedep'
	expect_rc 0 "the same with an existing ~/.cargo"
	expect_out "42" "the program"
	expect_true nothing_kept "$FAKE_HOME/.cargo/registry"
	expect_true test "$(cat "$FAKE_HOME/.cargo/config.toml")" = '[net]'
	expect_true test -z "$(ls -A "$FAKE_HOME/.cargo/bin")"
}

# --- npm ------------------------------------------------------------------------

# A package, its tarball and a lockfile resolving it at URL $1 (the sandbox's
# own loopback): npm ci fetches exactly what the lockfile says.
_npm_local_registry() {
	"$HOST_PY" - "$WS" "$1" <<'EOF'
import base64, hashlib, io, json, os, sys, tarfile
ws, url = sys.argv[1], sys.argv[2]
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as t:
    for path, text in {"package/package.json": json.dumps({"name": "rf-tiny", "version": "1.0.0", "main": "index.js"}),
                       "package/index.js": "module.exports = (x) => 3 * x;\n"}.items():
        data = text.encode()
        info = tarfile.TarInfo(path)
        info.size = len(data)
        info.mode = 0o644
        t.addfile(info, io.BytesIO(data))
tgz = buf.getvalue()
os.makedirs(f"{ws}/registry/rf-tiny/-", exist_ok=True)
open(f"{ws}/registry/rf-tiny/-/rf-tiny-1.0.0.tgz", "wb").write(tgz)
integrity = "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()
app = {"name": "rf-app", "version": "1.0.0", "private": True, "dependencies": {"rf-tiny": "1.0.0"}}
lock = {"name": "rf-app", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": {
    "": {"name": "rf-app", "version": "1.0.0", "dependencies": {"rf-tiny": "1.0.0"}},
    "node_modules/rf-tiny": {"version": "1.0.0", "resolved": f"{url}/rf-tiny/-/rf-tiny-1.0.0.tgz", "integrity": integrity}}}
json.dump(app, open(f"{ws}/package.json", "w"))
json.dump(lock, open(f"{ws}/package-lock.json", "w"))
EOF
}

_npm_flags="--no-audit --no-fund --no-update-notifier"

t_tc_npm_ci_local_registry_offline() {
	need node npm
	# offline: the registry is a server on the sandbox's own loopback
	_npm_local_registry http://127.0.0.1:48123
	sbt -- sh -c "unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
		/usr/bin/python3 -m http.server 48123 --bind 127.0.0.1 -d registry >/dev/null 2>&1 &
		for i in \$(seq 100); do /usr/bin/python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 48123))' 2>/dev/null && break; sleep 0.05; done
		npm ci $_npm_flags --registry http://127.0.0.1:48123/ && node -e 'console.log(require(\"rf-tiny\")(14))' && ls ~/.npm/_cacache >/dev/null && echo NPM-OK"
	expect_rc 0 "npm ci from a registry on the sandbox's loopback"
	expect_out "42" "the installed package"
	expect_out "NPM-OK" "npm's cache was writable"
	expect_true test -f "$WS/node_modules/rf-tiny/index.js"
	expect_true nothing_kept "$FAKE_HOME/.npm"
}

# The real registry: the issue asks for `npm ci --network online`.
_npm_real_project() {
	cat >"$WS/package.json" <<'EOF'
{ "name": "rf-npm-online", "version": "1.0.0", "private": true, "dependencies": { "is-number": "7.0.0" } }
EOF
	cat >"$WS/package-lock.json" <<'EOF'
{
  "name": "rf-npm-online", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": { "name": "rf-npm-online", "version": "1.0.0", "dependencies": { "is-number": "7.0.0" } },
    "node_modules/is-number": {
      "version": "7.0.0",
      "resolved": "https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz",
      "integrity": "sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng=="
    }
  }
}
EOF
}

# Skip (saying why) only when the host itself cannot reach the registry.
_npm_registry_reachable() {
	local why
	why=$(curl -sS --max-time 15 -o /dev/null -w '%{http_code}' https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz 2>&1 | tr '\n' ' ')
	why=${why% }
	[ "$why" = 200 ] && return 0
	skip_unavailable "registry.npmjs.org not reachable from this host ($why)"
	return 1
}

t_tc_npm_ci_online_real_registry() {
	need node npm curl
	_npm_registry_reachable || return 0
	_npm_real_project
	sbt --network online -- sh -c "npm ci $_npm_flags && node -e 'console.log(require(\"is-number\")(7))'"
	expect_rc 0 "npm ci --network online from registry.npmjs.org"
	expect_out "true" "the installed package"
	expect_true test -f "$WS/node_modules/is-number/index.js"
	expect_true nothing_kept "$FAKE_HOME/.npm"
}

t_tc_npm_ci_offline_real_registry_denied() {
	need node npm curl
	_npm_registry_reachable || return 0
	_npm_real_project
	sbt -- sh -c "npm ci $_npm_flags --fetch-retries=0 --fetch-timeout=5000"
	expect_denied "npm ci offline cannot reach the registry"
	expect_true test ! -e "$WS/node_modules/is-number"
}
